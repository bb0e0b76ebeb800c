"""Many voters at once against a running backend, for the load test and bench_votes.py:
an election with N voters (their tokens made in the database, since a PBKDF2 log-in per
voter is not what is measured), ballots encrypted beforehand, a small asyncio HTTP/1.1 client
on keep-alive connections (optionally paced), and what the backend's database says of each
vote."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.integration.backend import TRUSTEES, Backend, election_parameters
from tests.integration.cluster import Cluster, postgres_url

CANDIDATES = ["Ada", "Grace", "Linus"]
MAX_VOTERS_PER_REQUEST = 10_000


@dataclass
class Sent:
    """One submission as the client saw it."""

    started: float
    finished: float
    status: int
    body: bytes


@dataclass
class Load:
    sent: list[Sent] = field(default_factory=list)
    reconnects: int = 0


# --------------------------------------------------------------------------- the load generator


def request_bytes(port: int, path: str, token: str | None, body: bytes) -> bytes:
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    if token:
        head.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, server keeps the connection) of one HTTP/1.1 response."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, keep = 0, True
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            keep = False
    return status, await reader.readexactly(length), keep


@dataclass
class Pace:
    """Requests leave at `rate` per second from `start` on (no pacing when rate is None)."""

    rate: float | None = None
    start: float = field(default_factory=time.monotonic)
    slots: itertools.count[int] = field(default_factory=itertools.count)

    async def wait(self) -> None:
        if self.rate is not None:
            due = self.start + next(self.slots) / self.rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))


async def client(port: int, queue: list[bytes], load: Load, pace: Pace) -> None:
    """One keep-alive connection sending requests from the shared queue until it is empty.
    A connection the server closed is reopened; a request whose answer was lost is sent
    again (a repeated vote answers 409, which the summary counts as accepted earlier)."""
    reader = writer = None
    while queue:
        request = queue.pop()
        await pace.wait()
        while True:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            started = time.monotonic()
            try:
                writer.write(request)
                status, body, keep = await read_response(reader)  # type: ignore[arg-type]
            except (ConnectionError, asyncio.IncompleteReadError):
                writer.close()
                writer = None
                load.reconnects += 1
                continue
            load.sent.append(Sent(started, time.monotonic(), status, body))
            if not keep:
                writer.close()
                writer = None
            break
    if writer is not None:
        writer.close()


def send_all(
    port: int, requests_: list[bytes], concurrency: int, rate: float | None = None
) -> Load:
    load = Load()
    queue = list(reversed(requests_))

    async def run() -> None:
        pace = Pace(rate)
        await asyncio.gather(*(client(port, queue, load, pace) for _ in range(concurrency)))

    # A thread of its own: the caller may already run an event loop (Playwright's does).
    thread = threading.Thread(target=lambda: asyncio.run(run()))
    thread.start()
    thread.join()
    return load


# --------------------------------------------------------------------------- setting up


def election_with_voters(backend: Backend, voters: int, root: Path) -> dict[str, Any]:
    """An open election: roll through the API, trustees' ceremony with the trustee command."""
    staff = backend.staff()
    created = staff.post("/api/elections/", {"title": "Bench", "candidates": CANDIDATES})
    election = created.json()
    emails = [f"voter{i}@bench.example.org" for i in range(voters)]
    for start in range(0, voters, MAX_VOTERS_PER_REQUEST):
        chunk = emails[start : start + MAX_VOTERS_PER_REQUEST]
        added = staff.post(
            f"/api/elections/{election['id']}/voters/", [{"email": e} for e in chunk]
        )
        assert added.status_code == 200, added.text
    backend.create_trustee_accounts()
    named = staff.post(f"/api/elections/{election['id']}/trustees", {"trustees": TRUSTEES})
    assert named.status_code == 200, named.text
    backend.run_ceremony(election["id"], root / "trustees", [1, 2, 3])
    opened = staff.post(f"/api/elections/{election['id']}/open", {})
    assert opened.status_code == 200, opened.text
    return dict(opened.json())


TOKENS_SCRIPT = """
import json, sys
from knox.models import AuthToken
from apps.elections.models import Election, RollEntry
from apps.votes.services import voter_pseudonym
election = Election.objects.get(pk={election_id})
users = [r.user for r in RollEntry.objects.filter(election=election).select_related("user")]
rows = [[AuthToken.objects.create(u)[1], voter_pseudonym(election, u)] for u in users]
with open({out!r}, "w") as handle:
    json.dump(rows, handle)
"""


def voter_tokens(backend: Backend, election_id: int, out: Path) -> list[tuple[str, str]]:
    """(token, pseudonym) of every voter, made in the backend's database."""
    script = TOKENS_SCRIPT.format(election_id=election_id, out=str(out))
    backend.shell(script)
    return [(token, pseudonym) for token, pseudonym in json.loads(out.read_text())]


_KEY: Any = None


def _init_encryption(election: dict[str, Any]) -> None:
    global _KEY
    from evcrypto import ElectionKey

    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler is not the worker's
    _KEY = (election_parameters(election), ElectionKey.from_dict(election["public_key"]).public_key)


def _encrypt(job: tuple[int, str, int]) -> bytes:
    from evcrypto import ballot_to_json, encrypt_ballot

    election_id, pseudonym, choice = job
    parameters, public_key = _KEY
    choices = [1 if i == choice else 0 for i in range(len(CANDIDATES))]
    ballot = encrypt_ballot(parameters, public_key, pseudonym, choices)
    encoded = base64.b64encode(ballot_to_json(ballot)).decode()
    return json.dumps({"election_id": election_id, "encrypted_vote": encoded}).encode()


def encrypt_all(election: dict[str, Any], pseudonyms: list[str], choices: list[int]) -> list[bytes]:
    jobs = [(election["id"], p, c) for p, c in zip(pseudonyms, choices, strict=True)]
    pool = multiprocessing.Pool(os.cpu_count(), _init_encryption, (election,))
    try:
        return pool.map(_encrypt, jobs, chunksize=200)
    finally:
        pool.close()
        pool.join()


# --------------------------------------------------------------------------- measuring


def db_rows(backend: Backend, sql_sqlite: str, sql_postgres: str) -> list[tuple[Any, ...]]:
    if backend.database:
        import psycopg

        with psycopg.connect(postgres_url(backend.database)) as conn:
            return list(conn.execute(sql_postgres).fetchall())
    uri = f"file:{backend.root / 'backend.sqlite3'}?mode=ro"
    with sqlite3.connect(uri, uri=True, timeout=30) as conn:
        return list(conn.execute(sql_sqlite).fetchall())


def status_counts(backend: Backend) -> Counter[str]:
    sql = "SELECT status, COUNT(*) FROM votes_vote GROUP BY status"
    return Counter(dict(db_rows(backend, sql, sql)))


def vote_times(backend: Backend) -> list[tuple[str, float, float]]:
    """(transaction id, cast at, confirmed at) of every vote, seconds since the epoch."""
    return [
        (tx, float(cast), float(confirmed))
        for tx, cast, confirmed in db_rows(
            backend,
            "SELECT transaction_id, (julianday(cast_at) - 2440587.5) * 86400.0,"
            " (julianday(confirmed_at) - 2440587.5) * 86400.0 FROM votes_vote",
            "SELECT transaction_id, extract(epoch from cast_at),"
            " extract(epoch from confirmed_at) FROM votes_vote",
        )
    ]


def block_times(cluster: Cluster, node_id: str) -> dict[str, float]:
    """tx id -> its block's timestamp (seconds since the epoch)."""
    times: dict[str, float] = {}
    for item in cluster.all_blocks(node_id, cluster.height(node_id)):
        stamp = item["block"]["header"]["timestamp_ms"] / 1000
        for tx in item["block"]["transactions"]:
            times[tx["tx_id"]] = stamp
    return times


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
