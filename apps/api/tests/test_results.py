"""GET /api/votes/results?election_id=: turnout while open; counts with their proof once tallied."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.api.tests.conftest import api_as, assert_error, candidates
from apps.elections.models import Election
from apps.elections.services import close_election
from apps.elections.tests.chain import confirm_on_chain, tally_with_trustees
from apps.votes.services import cast_choice
from evcrypto import TrusteeKey
from tests.standin_validators import StandInNetwork

pytestmark = pytest.mark.django_db


def results(user: User, election: Election):  # type: ignore[no-untyped-def]
    return api_as(user).get("/api/votes/results", {"election_id": election.pk})


@pytest.fixture
def tallied(
    election: Election,
    alice: User,
    bob: User,
    validators: StandInNetwork,
    trustee_keys: dict[int, TrusteeKey],
) -> Election:
    """Alice and Bob both chose Linus; the chain holds both ballots at height 2, and trustees
    1 and 3 decrypted the tally."""
    linus = candidates(election)[2]
    validators.commit([])
    cast_choice(election, alice, [linus.pk])
    cast_choice(election, bob, [linus.pk])
    confirm_on_chain(validators, election)
    return tally_with_trustees(election, trustee_keys, who=(1, 3))


def test_while_open_only_the_turnout_is_shown(election: Election, alice: User) -> None:
    cast_choice(election, alice, [candidates(election)[0].pk])
    response = results(alice, election)
    assert response.status_code == 200
    assert response.json() == {
        "election_id": election.pk,
        "state": "open",
        "turnout": {"voted": 1, "eligible": 2},
        "results": None,
        "proof": None,
        "verification": None,
    }


def test_a_closed_election_shows_no_counts_before_the_tally(
    election: Election, alice: User
) -> None:
    close_election(election)
    body = results(alice, election).json()
    assert body["state"] == "closed" and body["results"] is None


def test_after_the_tally_the_counts_equal_the_ballots_cast(tallied: Election, alice: User) -> None:
    body = results(alice, tallied).json()
    assert body["state"] == "tallied" and body["turnout"] == {"voted": 2, "eligible": 2}
    assert body["results"] == [
        {"candidate_id": c.pk, "name": c.name, "votes": votes}
        for c, votes in zip(candidates(tallied), [0, 0, 2], strict=True)
    ]


def test_the_counts_come_with_their_proof_and_its_verification(
    tallied: Election, alice: User
) -> None:
    body = results(alice, tallied).json()
    assert body["proof"]["aggregate"]["ballot_count"] == 2
    assert body["proof"]["decryption"]["partial_decryptions"]
    assert body["proof"]["election_hash"] == tallied.election_hash
    assert body["verification"] == {
        "decryption_proof": "valid",
        "ballots": 2,
        "chain_height": 2,
        "quorum": 2,
        "validators": [
            {"node_id": f"validator-{n}", "verified": True, "height": 2, "problem": None}
            for n in (1, 2, 3)
        ],
        "excluded_ballots": 0,
        "trustees": [1, 3],
        "threshold": 2,
    }


def test_edited_counts_no_longer_verify(tallied: Election, alice: User) -> None:
    tallied.results["counts"] = [1, 0, 1]
    tallied.save()
    body = results(alice, tallied).json()
    assert body["verification"]["decryption_proof"].startswith("invalid")


def test_carol_sees_no_results(tallied: Election, carol: User) -> None:
    assert_error(results(carol, tallied), 403, "not_on_roll")
