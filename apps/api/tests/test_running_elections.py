"""Officials only: POST /api/elections/ and /api/elections/{id}/open, /close, /tally."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.api.tests.conftest import api_as, assert_error, candidates
from apps.chain.reading import ChainBallot, ChainUnavailable, ElectionChain
from apps.elections import tally
from apps.elections.models import Election
from apps.votes.models import Vote
from apps.votes.services import cast_choice

pytestmark = pytest.mark.django_db

NEW_ELECTION = {
    "title": "Chair",
    "description": "One seat",
    "candidates": ["Ada", "Grace"],
    "min_selections": 1,
    "max_selections": 1,
}


def stub_chain_with(monkeypatch: pytest.MonkeyPatch, votes: list[Vote]) -> None:
    """What the validators would answer for the election: these votes, committed."""
    ballots = [
        ChainBallot(v.transaction_id, v.voter_pseudonym, v.ballot, 5, "cd" * 32) for v in votes
    ]
    chain = ElectionChain("validator-1", ballots, {"valid": True})
    monkeypatch.setattr(tally, "election_chain", lambda _: chain)


def test_an_official_creates_a_draft_election_with_candidates(official: User) -> None:
    response = api_as(official).post("/api/elections/", NEW_ELECTION, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft" and body["title"] == "Chair"
    assert [c["name"] for c in body["candidates"]] == ["Ada", "Grace"]
    assert Election.objects.get(pk=body["id"]).candidates.count() == 2


def test_a_voter_cannot_create_an_election(alice: User) -> None:
    response = api_as(alice).post("/api/elections/", NEW_ELECTION, format="json")
    assert_error(response, 403, "not_staff")
    assert not Election.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"candidates": ["Ada", "Ada"]},
        {"candidates": ["Ada", "  "]},
        {"min_selections": 2, "max_selections": 1},
        {"max_selections": 3},
        {"title": "   "},
        {"opens_at": "2030-01-02T00:00:00Z", "closes_at": "2030-01-01T00:00:00Z"},
    ],
)
def test_an_impossible_election_is_a_400(official: User, change: dict[str, object]) -> None:
    response = api_as(official).post("/api/elections/", NEW_ELECTION | change, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] in {"invalid", "invalid_input"}
    assert not Election.objects.exists()


def test_an_official_opens_a_draft_election_which_gets_its_key(
    draft_election: Election, official: User
) -> None:
    response = api_as(official).post(f"/api/elections/{draft_election.pk}/open")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "open" and body["public_key"]["group"] == "secp256k1"
    assert body["accepting_votes"] is True


def test_opening_an_open_election_again_is_a_409(election: Election, official: User) -> None:
    response = api_as(official).post(f"/api/elections/{election.pk}/open")
    assert_error(response, 409, "wrong_state")


def test_voters_cannot_open_close_or_tally(election: Election, alice: User) -> None:
    for verb in ("open", "close", "tally"):
        response = api_as(alice).post(f"/api/elections/{election.pk}/{verb}")
        assert_error(response, 403, "not_staff")
    election.refresh_from_db()
    assert election.state == "open"


def test_closing_and_tallying_publish_the_plain_count(
    election: Election, official: User, alice: User, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    grace = candidates(election)[1]
    cast_choice(election, alice, [grace.pk])
    cast_choice(election, bob, [grace.pk])
    stub_chain_with(monkeypatch, list(Vote.objects.all()))
    client = api_as(official)
    assert client.post(f"/api/elections/{election.pk}/close").json()["state"] == "closed"
    in_flight = client.post(f"/api/elections/{election.pk}/tally")
    assert_error(in_flight, 409, "delivery_in_progress")  # neither vote is confirmed yet
    Vote.objects.update(status=Vote.Status.CONFIRMED)  # as the stubbed chain says
    response = client.post(f"/api/elections/{election.pk}/tally")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "tallied"
    election.refresh_from_db()
    assert election.results["counts"] == [0, 2, 0]


def test_an_open_election_cannot_be_tallied(election: Election, official: User) -> None:
    response = api_as(official).post(f"/api/elections/{election.pk}/tally")
    assert_error(response, 409, "wrong_state")


def test_tallying_with_no_validator_reachable_is_a_503(
    election: Election, official: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(_: str) -> ElectionChain:
        raise ChainUnavailable("no validator answered")

    monkeypatch.setattr(tally, "election_chain", unreachable)
    client = api_as(official)
    client.post(f"/api/elections/{election.pk}/close")
    assert_error(client.post(f"/api/elections/{election.pk}/tally"), 503, "chain_unavailable")
    election.refresh_from_db()
    assert election.state == "closed"


def test_a_verb_on_an_unknown_election_is_a_404(official: User) -> None:
    assert_error(api_as(official).post("/api/elections/4242/open"), 404, "not_found")


def test_reading_with_the_wrong_method_is_a_json_405(election: Election, official: User) -> None:
    assert_error(
        api_as(official).get(f"/api/elections/{election.pk}/open"), 405, "method_not_allowed"
    )
    assert_error(
        api_as(official).delete(f"/api/elections/{election.pk}/"), 405, "method_not_allowed"
    )
