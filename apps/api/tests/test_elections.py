"""GET /api/elections/, /api/elections/active and /api/elections/{id}/: what each persona sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from apps.accounts.models import User
from apps.api.tests.conftest import api_as, assert_error, candidates
from apps.elections.models import Election
from apps.elections.services import VoterRow, add_voters, create_election
from apps.trustees.tests.ceremony import open_with_trustees

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [e["id"] for e in response.json()]


def test_a_voter_lists_the_elections_whose_roll_she_is_on(
    election: Election, alice: User, official: User
) -> None:
    elsewhere = create_election("Treasurer", ["Eve", "Mallory"])
    assert ids(api_as(alice).get("/api/elections/")) == [election.pk]
    assert ids(api_as(official).get("/api/elections/")) == [elsewhere.pk, election.pk]


def test_carol_on_no_roll_lists_nothing(election: Election, carol: User) -> None:
    assert ids(api_as(carol).get("/api/elections/")) == []
    assert ids(api_as(carol).get("/api/elections/active")) == []


def test_the_list_costs_the_same_few_queries_for_many_elections(
    alice: User, official: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(8):
        created = create_election(f"Election {n}", ["Ada", "Grace", "Linus"])
        add_voters(created, [VoterRow(alice.email)])
    for user in (alice, official):
        client = api_as(user)
        # token and user, the user's other tokens (knox drops expired ones), elections,
        # candidates
        with django_assert_max_num_queries(4):
            assert len(ids(client.get("/api/elections/"))) == 8
        with django_assert_max_num_queries(4):
            client.get("/api/elections/active")


def test_active_lists_only_elections_taking_votes_now(
    election: Election, draft_election: Election, alice: User
) -> None:
    later = create_election("Later", ["X", "Y"], opens_at=timezone.now() + timedelta(days=1))
    add_voters(later, [VoterRow(alice.email)])
    open_with_trustees(later)
    assert ids(api_as(alice).get("/api/elections/active")) == [election.pk]


def test_an_election_shows_its_candidates_state_and_public_key(
    election: Election, alice: User
) -> None:
    response = api_as(alice).get(f"/api/elections/{election.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "open" and body["accepting_votes"] is True
    assert body["min_selections"] == 1 and body["max_selections"] == 1
    assert body["public_key"] == election.public_key
    assert body["election_hash"] == election.election_hash
    assert body["candidates"] == [
        {"id": c.pk, "name": c.name, "position": c.position} for c in candidates(election)
    ]
    assert "sealed_private_key" not in body and "results" not in body


def test_a_draft_election_has_no_public_key_yet(draft_election: Election, alice: User) -> None:
    body = api_as(alice).get(f"/api/elections/{draft_election.pk}").json()
    assert body["state"] == "draft" and body["public_key"] is None


def test_carol_sees_nothing_of_the_election(election: Election, carol: User) -> None:
    response = api_as(carol).get(f"/api/elections/{election.pk}/")
    body = assert_error(response, 403, "not_on_roll")
    assert set(body) == {"detail", "code"}


def test_an_official_sees_any_election(election: Election, official: User) -> None:
    assert api_as(official).get(f"/api/elections/{election.pk}/").status_code == 200


@pytest.mark.parametrize("election_id", ["999999", "9" * 40, "abc", "-1", "1.5", "%00"])
def test_an_unknown_or_malformed_election_id_is_a_json_404(
    election: Election, alice: User, election_id: str
) -> None:
    assert_error(api_as(alice).get(f"/api/elections/{election_id}/"), 404, "not_found")


def test_listing_elections_needs_a_token(election: Election) -> None:
    assert_error(api_as(None).get("/api/elections/"), 401, "not_authenticated")
