"""GET /api/votes/check, /api/votes/history and /api/votes/transaction-status."""

from __future__ import annotations

import pytest
from pytest_django import DjangoAssertNumQueries

from apps.accounts.models import User
from apps.api.tests.conftest import api_as, assert_error, candidates
from apps.elections.models import Election
from apps.elections.services import VoterRow, add_voters, create_election
from apps.trustees.tests.ceremony import open_with_trustees
from apps.votes.models import Vote
from apps.votes.services import cast_choice

pytestmark = pytest.mark.django_db


def vote(election: Election, voter: User) -> Vote:
    return cast_choice(election, voter, [candidates(election)[0].pk])


def status_of(user: User, election: Election, transaction_id: str):  # type: ignore[no-untyped-def]
    query = {"election_id": election.pk, "transaction_id": transaction_id}
    return api_as(user).get("/api/votes/transaction-status", query)


# --- check


def test_check_says_whether_the_voter_has_voted(election: Election, alice: User) -> None:
    client = api_as(alice)
    assert client.get("/api/votes/check", {"election_id": election.pk}).json() == {
        "election_id": election.pk,
        "has_voted": False,
    }
    vote(election, alice)
    assert client.get("/api/votes/check", {"election_id": election.pk}).json()["has_voted"]


def test_check_speaks_only_of_the_caller(election: Election, alice: User, bob: User) -> None:
    vote(election, alice)
    body = api_as(bob).get("/api/votes/check", {"election_id": election.pk}).json()
    assert body["has_voted"] is False


def test_carol_cannot_check_the_election(election: Election, carol: User) -> None:
    response = api_as(carol).get("/api/votes/check", {"election_id": election.pk})
    assert_error(response, 403, "not_on_roll")


# --- history


def test_history_lists_the_voters_own_receipts_and_never_a_choice(
    election: Election, alice: User, bob: User
) -> None:
    cast = vote(election, alice)
    vote(election, bob)
    response = api_as(alice).get("/api/votes/history")
    assert response.status_code == 200
    [receipt] = response.json()
    assert receipt["election_id"] == election.pk and receipt["election_title"] == "Board"
    assert receipt["transaction_id"] == cast.transaction_id
    assert receipt["tracker"] == cast.tracker and receipt["status"] == "pending"
    assert set(receipt) == {
        "election_id",
        "election_title",
        "transaction_id",
        "tracker",
        "status",
        "block_height",
        "cast_at",
    }


def test_carol_who_never_voted_has_an_empty_history(election: Election, carol: User) -> None:
    assert api_as(carol).get("/api/votes/history").json() == []


def test_history_costs_the_same_few_queries_for_many_elections(
    alice: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(6):
        election = create_election(f"Election {n}", ["Ada", "Grace"])
        add_voters(election, [VoterRow(alice.email)])
        vote(open_with_trustees(election), alice)
    client = api_as(alice)
    # token and user, the user's other tokens, roll entries with elections, votes with elections
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/votes/history").json()) == 6


# --- transaction status


def test_a_new_vote_is_pending(election: Election, alice: User) -> None:
    cast = vote(election, alice)
    response = status_of(alice, election, cast.transaction_id)
    assert response.status_code == 200
    assert response.json() == {
        "transaction_id": cast.transaction_id,
        "election_id": election.pk,
        "status": "pending",
        "block_height": None,
        "block_hash": None,
    }


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("submitted", "pending"), ("fallback", "fallback"), ("confirmed", "confirmed")],
)
def test_the_status_shown_follows_the_vote(
    election: Election, alice: User, stored: str, shown: str
) -> None:
    cast = vote(election, alice)
    Vote.objects.filter(pk=cast.pk).update(status=stored)
    assert status_of(alice, election, cast.transaction_id).json()["status"] == shown


def test_a_confirmed_vote_shows_its_block(election: Election, alice: User) -> None:
    cast = vote(election, alice)
    Vote.objects.filter(pk=cast.pk).update(status="confirmed", block_height=7, block_hash="ef" * 32)
    body = status_of(alice, election, cast.transaction_id).json()
    assert (body["status"], body["block_height"], body["block_hash"]) == ("confirmed", 7, "ef" * 32)


def test_anyone_on_the_roll_may_follow_a_receipt_they_were_given(
    election: Election, alice: User, bob: User, official: User
) -> None:
    cast = vote(election, alice)
    assert status_of(bob, election, cast.transaction_id).status_code == 200
    assert status_of(official, election, cast.transaction_id).status_code == 200


def test_carol_cannot_follow_a_receipt_of_the_election(
    election: Election, alice: User, carol: User
) -> None:
    cast = vote(election, alice)
    assert_error(status_of(carol, election, cast.transaction_id), 403, "not_on_roll")


def test_an_unknown_transaction_is_a_404(election: Election, alice: User) -> None:
    assert_error(status_of(alice, election, "0" * 32), 404, "not_found")


def test_a_transaction_of_another_election_is_a_404(election: Election, alice: User) -> None:
    other = create_election("Other", ["X", "Y"])
    add_voters(other, [VoterRow(alice.email)])
    cast = vote(election, alice)
    assert_error(status_of(alice, other, cast.transaction_id), 404, "not_found")


def test_a_status_query_without_a_transaction_id_is_a_400(election: Election, alice: User) -> None:
    response = api_as(alice).get("/api/votes/transaction-status", {"election_id": election.pk})
    body = assert_error(response, 400, "invalid")
    assert "transaction_id" in body["detail"]
