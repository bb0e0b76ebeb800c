"""POST /api/votes/verify-blockchain {election_id}: every validator's copy, and the fallback chain."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.api.tests.conftest import FakeChain, api_as, assert_error
from apps.elections.models import Election

pytestmark = pytest.mark.django_db


def verify(user: User, body: object):  # type: ignore[no-untyped-def]
    return api_as(user).post("/api/votes/verify-blockchain", body, format="json")


def test_it_reports_each_validators_verdict_and_the_fallback_chain(
    election: Election, alice: User, chain: FakeChain
) -> None:
    response = verify(alice, {"election_id": election.pk})
    assert response.status_code == 200
    assert response.json() == {
        "election_id": election.pk,
        "valid": True,
        "agree": True,
        "validators": chain.verdict["validators"],
        "fallback_chain_valid": True,
    }
    assert chain.verified == [election.chain_election_id]


def test_a_broken_fallback_chain_is_reported(
    election: Election, alice: User, chain: FakeChain
) -> None:
    chain.fallback_valid = False
    assert verify(alice, {"election_id": election.pk}).json()["fallback_chain_valid"] is False


def test_carol_cannot_verify_the_election(
    election: Election, carol: User, chain: FakeChain
) -> None:
    assert_error(verify(carol, {"election_id": election.pk}), 403, "not_on_roll")
    assert chain.verified == []


@pytest.mark.parametrize("body", [{}, {"election_id": None}, {"election_id": [1]}, [1], "1"])
def test_a_malformed_request_is_a_400(
    election: Election, alice: User, chain: FakeChain, body: object
) -> None:
    assert_error(verify(alice, body), 400, "invalid")


def test_an_unknown_election_is_a_404(alice: User, chain: FakeChain) -> None:
    assert_error(verify(alice, {"election_id": 4242}), 404, "not_found")
