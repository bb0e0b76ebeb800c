"""Sustained voting: the worker's periodic work keeps up while votes keep arriving.

Votes are sent at a steady rate for a minute by client-encrypted ballots over keep-alive
connections, through real validators, the backend web and its Celery worker (1 s blocks, the
tests' fast loops: receipts and delivery twice a second, health every second). Meanwhile the
admin's validator health is read twice a second. It must never be older than two health
intervals, and every vote must be confirmed within one block interval + 2 s of the block that
holds it. On PostgreSQL + Redis when their URLs are set (CI runs it there too).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.integration.backend import Backend
from tests.integration.cluster import Cluster, wait_until
from tests.integration.load import (
    CANDIDATES,
    block_times,
    election_with_voters,
    encrypt_all,
    request_bytes,
    send_all,
    status_counts,
    vote_times,
    voter_tokens,
)

pytestmark = pytest.mark.integration

RATE = 50  # votes per second, well within what one of these machines sustains
SECONDS = 60
HEALTH_INTERVAL = 1.0
HEALTH_TIMEOUT = 1.0  # HEALTH_TIMEOUT_SECONDS in tests/integration/backend.py
BLOCK_INTERVAL = 1.0


@pytest.fixture
def backend(cluster: Cluster, tmp_path: Path) -> Iterator[Backend]:
    running = Backend(cluster, tmp_path / "backend", web_workers=2, web_threads=4)
    try:
        yield running.start()
    finally:
        running.stop()


def watch_health(backend: Backend, stop: threading.Event, ages: list[float]) -> None:
    """How old the admin's validator health is, twice a second, until stopped."""
    staff = backend.staff()
    while not stop.is_set():
        rows = staff.get("/api/admin/validators/health").json()["validators"]
        oldest = min(datetime.fromisoformat(row["checked_at"]).timestamp() for row in rows)
        ages.append(time.time() - oldest)
        stop.wait(0.5)


def test_a_minute_of_steady_voting_is_confirmed_block_by_block_and_health_stays_fresh(
    cluster: Cluster, backend: Backend, tmp_path: Path
) -> None:
    voters = RATE * SECONDS
    election = election_with_voters(backend, voters, tmp_path)
    tokens = voter_tokens(backend, election["id"], tmp_path / "tokens.json")
    rng = random.Random(7)
    choices = [rng.randrange(len(CANDIDATES)) for _ in tokens]
    bodies = encrypt_all(election, [p for _, p in tokens], choices)
    requests_ = [
        request_bytes(backend.port, "/api/votes/submit", token, body)
        for (token, _), body in zip(tokens, bodies, strict=True)
    ]
    stop, ages = threading.Event(), []
    watcher = threading.Thread(target=watch_health, args=(backend, stop, ages))
    watcher.start()
    try:
        load = send_all(backend.port, requests_, concurrency=16, rate=RATE)
    finally:
        stop.set()
        watcher.join()
    assert Counter(s.status for s in load.sent) == {201: voters}
    wait_until(lambda: status_counts(backend)["confirmed"] == voters, 60, "every vote confirmed")
    blocks = block_times(cluster, "validator-1")
    late = [
        (tx, confirmed - blocks[tx])
        for tx, _, confirmed in vote_times(backend)
        if confirmed - blocks[tx] > BLOCK_INTERVAL + 2
    ]
    assert late == [], f"{len(late)} votes confirmed late, first {late[:3]}"
    # A tick may wait one interval for a free worker thread, and the check itself may take up
    # to its timeout (a validator busy committing under load): two intervals and one health
    # timeout, never more.
    assert ages and max(ages) <= 2 * HEALTH_INTERVAL + HEALTH_TIMEOUT, max(ages)
