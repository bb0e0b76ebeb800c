"""50 simultaneous submissions by one voter: exactly one is accepted, the rest are 409s.

The guarantee is the verbs' (a unique constraint, not a read-then-write); this checks the API
answers every loser with a 409 and never turns the constraint's IntegrityError into a 500.
Each thread has its own database connection, so the test runs outside a test transaction.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection, connections

from apps.accounts.models import User
from apps.api.tests.conftest import api_as, candidates
from apps.elections.models import Election
from apps.votes.models import Vote
from apps.votes.services import voter_pseudonym

SUBMISSIONS = 50


@contextmanager
def writers_wait_their_turn(tmp_path: Path) -> Iterator[None]:
    """Run on a database where concurrent writers queue, as in production.

    The SQLite test database lives in memory with a shared cache, where a second writer fails
    at once ("database table is locked") instead of waiting; the backend's file database (WAL,
    BEGIN IMMEDIATE, a busy timeout) makes it wait. So on SQLite the test copies its data to a
    file with the same options and runs there; on PostgreSQL it changes nothing."""
    memory = connections["default"]
    if memory.vendor != "sqlite" or not memory.is_in_memory_db():
        yield
        return
    on_disk = dict(memory.settings_dict, NAME=str(tmp_path / "backend.sqlite3"))
    memory.ensure_connection()
    copy = sqlite3.connect(on_disk["NAME"])
    memory.connection.backup(copy)
    copy.close()
    connections.settings["default"] = on_disk  # for the connections threads open
    connections["default"] = memory.__class__(on_disk, "default")  # for this thread
    try:
        yield
    finally:
        connections["default"].close()
        connections.settings["default"] = memory.settings_dict
        connections["default"] = memory


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_ballots_from_one_voter_give_one_201_and_49_409s(
    election: Election, alice: User, tmp_path: Path
) -> None:
    choice = {"election_id": election.pk, "candidate_id": candidates(election)[0].pk}
    clients = [api_as(alice) for _ in range(SUBMISSIONS)]
    start = threading.Barrier(SUBMISSIONS)
    answers: list[tuple[int, str]] = []

    def submit(client) -> None:  # type: ignore[no-untyped-def]
        try:
            start.wait()
            response = client.post("/api/votes/submit", choice, format="json")
            answers.append((response.status_code, response.json().get("code", "")))
        finally:
            connection.close()

    with writers_wait_their_turn(tmp_path):
        threads = [threading.Thread(target=submit, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        pseudonym = voter_pseudonym(election, alice)
        stored = Vote.objects.filter(election=election, voter_pseudonym=pseudonym).count()

    assert Counter(answers) == {(201, ""): 1, (409, "already_voted"): SUBMISSIONS - 1}
    assert stored == 1
