"""The vote path with every part real: validator nodes, the backend web and its Celery worker.

Voters use the HTTP API; nothing is stubbed. Intervals are fast (blocks every second,
delivery and receipts twice a second, health every second).
"""

from __future__ import annotations

import base64
import random
import sqlite3
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.integration.backend import (
    PASSPHRASE,
    TRUSTEES,
    ApiSession,
    Backend,
    all_confirmed,
    election_record,
    encrypted_vote,
    run_tool,
    status_of,
)
from tests.integration.cluster import Cluster, postgres_url, wait_until
from validators.core.blocks import genesis_hash
from validators.core.genesis import load_genesis

pytestmark = pytest.mark.integration

HEALTH_INTERVAL = 1.0
CANDIDATES = ["Ada", "Grace", "Linus"]


def open_election(
    backend: Backend, voters: int, trustee_folder: Path
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """An official creates the election and its roll and names three trustees (2 of 3); the
    trustees run their ceremony with the trustee command, all at once; the official opens."""
    staff = backend.staff()
    created = staff.post("/api/elections/", {"title": "Board", "candidates": CANDIDATES})
    assert created.status_code == 201, created.text
    election = created.json()
    roll = [(f"voter{i}@example.org", f"password-{i}-x") for i in range(voters)]
    added = staff.post(
        f"/api/elections/{election['id']}/voters/", [{"email": email} for email, _ in roll]
    )
    assert added.status_code == 200, added.text
    backend.set_passwords(roll)
    backend.create_trustee_accounts()
    named = staff.post(f"/api/elections/{election['id']}/trustees", {"trustees": TRUSTEES})
    assert named.status_code == 200 and named.json()["election"]["label"] == "2 of 3", named.text
    backend.run_ceremony(election["id"], trustee_folder, [1, 2, 3])
    opened = staff.post(f"/api/elections/{election['id']}/open", {})
    assert opened.status_code == 200, opened.text
    return staff.get(f"/api/elections/{election['id']}/").json(), roll


def cast(
    backend: Backend,
    election: dict[str, Any],
    email: str,
    password: str,
    choice: int,
    client_side: bool,
) -> requests.Response:
    """One voter logs in and votes: either encrypting in the client or asking the server to."""
    voter = backend.login(email, password)
    candidate = election["candidates"][choice]
    if not client_side:
        return voter.post(
            "/api/votes/submit", {"election_id": election["id"], "candidate_id": candidate["id"]}
        )
    return voter.post("/api/votes/submit", encrypted_vote(voter, election, choice))


def validator_status(staff: ApiSession, node_id: str) -> str:
    """The backend's view of one validator ("" until its first health check)."""
    rows = staff.get("/api/admin/validators/health").json()["validators"]
    return next((row["status"] for row in rows if row["node_id"] == node_id), "")


def time_until_unreachable(staff: ApiSession, noticed: list[float]) -> None:
    started = time.monotonic()
    session = ApiSession(staff.base, staff.token)
    while time.monotonic() - started < 15:
        if validator_status(session, "validator-2") == "unreachable":
            noticed.append(time.monotonic() - started)
            return
        time.sleep(0.1)


def test_two_hundred_voters_vote_through_a_validator_failure_and_the_tally_is_the_plain_count(
    cluster: Cluster, backend: Backend, tmp_path: Path
) -> None:
    trustees = tmp_path / "trustees"  # the trustees' own machines
    election, roll = open_election(backend, 200, trustees)
    staff = backend.staff()
    rng = random.Random(2026)
    choices = [rng.randrange(len(CANDIDATES)) for _ in roll]
    receipts: list[str] = []
    noticed: list[float] = []
    for i, ((email, password), choice) in enumerate(zip(roll, choices, strict=True)):
        if i == 100:  # mid-way, one validator dies; no request may fail because of it
            cluster.kill_node("validator-2")
            watcher = threading.Thread(target=time_until_unreachable, args=(staff, noticed))
            watcher.start()
        response = cast(backend, election, email, password, choice, client_side=i % 2 == 0)
        assert response.status_code == 201, response.text
        receipts.append(response.json()["transaction_id"])
    watcher.join()
    # One health interval, plus the check's own round trip and the poll's granularity.
    assert noticed and noticed[0] <= HEALTH_INTERVAL + 1.0, noticed
    wait_until(
        lambda: all_confirmed(staff, election["id"], receipts), 60, "every vote confirmed", every=1
    )
    heights = {status_of(staff, election["id"], t)["block_height"] for t in receipts}
    assert None not in heights
    cluster.start_node("validator-2")
    cluster.wait_ready("validator-2")
    closing = staff.run_job(f"/api/elections/{election['id']}/close")
    assert closing["state"] == "done" and closing["result"] == {"election_state": "closed"}
    # The tally runs on the worker, reading the three real validators; its status URL shows
    # each step and ends waiting for the trustees.
    tally = staff.run_job(f"/api/elections/{election['id']}/tally")
    assert tally["state"] == "done", tally
    assert tally["result"]["election_state"] == "tallying"
    assert tally["result"]["ballots"] == len(receipts)
    assert (tally["step"], tally["done"], tally["total"]) == ("waiting for trustees", 0, 2)
    assert tally["started_at"] and tally["finished_at"]
    again = staff.post(f"/api/elections/{election['id']}/tally", {})
    assert again.status_code == 409 and again.json()["code"] == "not_enough_decryptions"
    # Trustee 2 stays away; 1 and 3 each read the chain themselves and decrypt.
    genesis = cluster.network_dir / "genesis.json"
    confirmed = genesis_hash(load_genesis(genesis).to_dict())  # as published, compared
    backend.run_trustees(
        "decrypt",
        election["id"],
        trustees,
        [1, 3],
        "--genesis",
        str(genesis),
        "--genesis-hash",
        confirmed,
    )
    results = staff.get("/api/votes/results", election_id=election["id"]).json()
    assert results["state"] == "tallied" and results["verification"]["trustees"] == [1, 3]
    plain = Counter(choices)
    assert [r["votes"] for r in results["results"]] == [plain[i] for i in range(len(CANDIDATES))]

    def verified() -> dict[str, Any] | None:
        verdict = staff.post("/api/votes/verify-blockchain", {"election_id": election["id"]}).json()
        return verdict if verdict["valid"] and verdict["agree"] else None

    verdict = wait_until(verified, 20, "every validator to hold and agree on the chain", every=1)
    assert {v["node_id"] for v in verdict["validators"]} == set(cluster.nodes)
    assert verdict["fallback_chain_valid"] is True

    # What anyone can do with the published record, genesis and the validators' URLs.
    record = tmp_path / "record.json"
    record.write_bytes(election_record(backend, *roll[0], election["id"]))
    crypto = run_tool("evcrypto.verify", str(record))
    assert crypto.returncode == 0, crypto.stdout
    nodes = [arg for n in cluster.nodes for arg in ("--node", cluster.url(n))]
    audit = run_tool("validators.audit", "--genesis", str(genesis), *nodes, "--record", str(record))
    assert audit.returncode == 0, audit.stdout
    assert "ok   record ballots on chain (200 ballots of" in audit.stdout
    assert audit.stdout.count("ok   chain at ") == 3

    # No secret of the election is anywhere on the server: neither a trustee's share nor the
    # joint key (computed here from the trustees' own files) is in any table or file.
    secrets = trustee_secrets(trustees, election)
    assert secrets, "the trustees' files hold their shares"
    found = [
        name
        for name, text in server_state(backend, tmp_path, trustees)
        if any(form in text for secret in secrets for form in spellings(secret))
    ]
    assert found == []


def trustee_secrets(folder: Path, election: dict[str, Any]) -> list[int]:
    """Every trustee's secret share, from its own file, and the joint secret key they share
    (Lagrange interpolation at 0 of shares 1 and 2), checked against the public key."""
    from evcrypto import SECP256K1, ElectionKey
    from evcrypto.keys import lagrange_coefficient
    from trustee.secret_file import read_secrets

    group = SECP256K1
    shares = {}
    for index in (1, 2, 3):
        secrets = read_secrets(folder / f"trustee-{index}.secret", PASSPHRASE)
        assert secrets.share is not None
        shares[index] = group.scalar_from_hex(secrets.share, "share")
    joint = sum(lagrange_coefficient(group, i, [1, 2]) * shares[i] for i in (1, 2)) % group.order
    public = ElectionKey.from_dict(election["public_key"]).public_key.element
    assert group.mul_base(joint) == public
    return [*shares.values(), joint]


def spellings(secret: int) -> list[str]:
    """The ways a scalar could be written down: hex (fixed width and bare), decimal, base64."""
    raw = secret.to_bytes(32, "big")
    return [
        format(secret, "064x"),
        format(secret, "x"),
        str(secret),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        raw.decode("latin-1"),
    ]


def server_state(backend: Backend, root: Path, skip: Path) -> list[tuple[str, str]]:
    """(where, text) for every row of every table of the backend's database, and every file
    under the test's folders (the backend's VAR_DIR, the network, the validators), the
    trustees' own folder aside."""
    found = []
    if backend.database:
        import psycopg

        with psycopg.connect(postgres_url(backend.database)) as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                )
            ]
            for table in tables:
                rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
                found.append((f"table {table}", repr(rows)))
    else:
        with sqlite3.connect(backend.root / "backend.sqlite3") as conn:
            tables = [
                row[0]
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            for table in tables:
                rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
                found.append((f"table {table}", repr(rows)))
    for path in root.rglob("*"):
        if path.is_file() and skip not in path.parents:
            found.append((str(path), path.read_bytes().decode("latin-1")))
    assert any(name == "table trustees_trustee" for name, _ in found)
    return found


def edit_fallback_row(backend: Backend) -> None:
    """Tamper with the backend's database directly, as an attacker with database access would."""
    tamper = (
        "UPDATE fallback_fallbackblock SET previous_hash = {p} "
        "WHERE id = (SELECT MIN(id) FROM fallback_fallbackblock)"
    )
    forged = "f" * 64
    if backend.database:
        import psycopg

        with psycopg.connect(postgres_url(backend.database), autocommit=True) as conn:
            conn.execute(tamper.format(p="%s"), (forged,))
    else:
        with sqlite3.connect(backend.root / "backend.sqlite3") as conn:
            conn.execute(tamper.format(p="?"), (forged,))


def test_with_every_validator_down_votes_are_kept_and_replayed_exactly_once(
    cluster: Cluster, backend: Backend, tmp_path: Path
) -> None:
    election, roll = open_election(backend, 12, tmp_path / "trustees")
    staff = backend.staff()
    for node_id in cluster.nodes:
        cluster.kill_node(node_id)
    wait_until(
        lambda: all(validator_status(staff, n) == "unreachable" for n in cluster.nodes),
        10,
        "health to see the outage",
    )
    receipts = []
    for i, (email, password) in enumerate(roll):
        response = cast(backend, election, email, password, i % 3, client_side=False)
        assert response.status_code == 201, response.text
        receipts.append(response.json()["transaction_id"])
    wait_until(
        lambda: all(status_of(staff, election["id"], t)["status"] == "fallback" for t in receipts),
        30,
        "every vote on the fallback chain",
    )
    verdict = staff.post("/api/votes/verify-blockchain", {"election_id": election["id"]}).json()
    assert verdict["fallback_chain_valid"] is True
    for node_id in cluster.nodes:
        cluster.start_node(node_id)
    wait_until(
        lambda: all_confirmed(staff, election["id"], receipts),
        60,
        "every fallback vote replayed",
        every=1,
    )
    on_chain = requests.get(
        cluster.url("validator-1") + "/blockchain",
        params={"election_id": election["chain_election_id"]},
        timeout=10,
    ).json()
    pseudonyms = [t["voter_pseudonym"] for t in on_chain["transactions"]]
    assert len(pseudonyms) == len(roll) == len(set(pseudonyms))  # each vote exactly once
    assert staff.post("/api/votes/verify-blockchain", {"election_id": election["id"]}).json()[
        "fallback_chain_valid"
    ]
    edit_fallback_row(backend)
    verdict = staff.post("/api/votes/verify-blockchain", {"election_id": election["id"]}).json()
    assert verdict["fallback_chain_valid"] is False


def test_fifty_concurrent_submissions_by_one_voter_give_one_vote(
    cluster: Cluster, backend: Backend, tmp_path: Path
) -> None:
    election, roll = open_election(backend, 1, tmp_path / "trustees")
    email, password = roll[0]
    voter = backend.login(email, password)
    candidate = election["candidates"][0]["id"]

    def submit(_: int) -> int:
        session = ApiSession(voter.base, voter.token)
        body = {"election_id": election["id"], "candidate_id": candidate}
        return session.post("/api/votes/submit", body).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = Counter(pool.map(submit, range(50)))
    assert statuses == {201: 1, 409: 49}
    staff = backend.staff()
    history = voter.get("/api/votes/history").json()
    receipts = history.get("results", history) if isinstance(history, dict) else history
    transaction_id = receipts[0]["transaction_id"]
    wait_until(
        lambda: all_confirmed(staff, election["id"], [transaction_id]), 30, "the vote confirmed"
    )
    on_chain = requests.get(
        cluster.url("validator-1") + "/blockchain",
        params={"election_id": election["chain_election_id"]},
        timeout=10,
    ).json()
    assert len(on_chain["transactions"]) == 1
