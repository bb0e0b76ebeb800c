"""GET /api/votes/public-keys?election_id=: what a client needs to encrypt its own ballot."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.api.tests.conftest import api_as, assert_error, candidates
from apps.elections.models import Election
from apps.votes.services import voter_pseudonym
from evcrypto import ElectionKey

pytestmark = pytest.mark.django_db


def test_a_voter_gets_the_key_the_hash_the_candidates_and_her_pseudonym(
    election: Election, alice: User
) -> None:
    response = api_as(alice).get("/api/votes/public-keys", {"election_id": election.pk})
    assert response.status_code == 200
    body = response.json()
    public_key = ElectionKey.from_dict(election.public_key).public_key
    assert body["group"] == "secp256k1"
    assert body["elgamal_pubkey"] == public_key.element.hex()
    assert body["election_key"] == election.public_key
    assert body["election_hash"] == election.election_hash
    assert body["voter_pseudonym"] == voter_pseudonym(election, alice)
    assert [c["id"] for c in body["candidates"]] == [c.pk for c in candidates(election)]
    assert (body["min_selections"], body["max_selections"]) == (1, 1)


def test_an_official_off_the_roll_gets_the_key_but_no_pseudonym(
    election: Election, official: User
) -> None:
    body = api_as(official).get("/api/votes/public-keys", {"election_id": election.pk}).json()
    assert body["voter_pseudonym"] is None and body["elgamal_pubkey"]


def test_a_draft_election_has_no_key_yet(draft_election: Election, alice: User) -> None:
    response = api_as(alice).get("/api/votes/public-keys", {"election_id": draft_election.pk})
    assert_error(response, 409, "election_not_open")


def test_carol_gets_no_key(election: Election, carol: User) -> None:
    response = api_as(carol).get("/api/votes/public-keys", {"election_id": election.pk})
    assert_error(response, 403, "not_on_roll")


@pytest.mark.parametrize(
    "query", [{}, {"election_id": "x"}, {"election_id": "0"}, {"election_id": "9" * 30}]
)
def test_a_missing_or_malformed_election_id_is_a_400(
    election: Election, alice: User, query: dict[str, str]
) -> None:
    assert_error(api_as(alice).get("/api/votes/public-keys", query), 400, "invalid")


def test_an_unknown_election_is_a_404(alice: User) -> None:
    response = api_as(alice).get("/api/votes/public-keys", {"election_id": 4242})
    assert_error(response, 404, "not_found")
