"""The verify page: each validator's height and last hash, whether they agree, the fallback."""

from __future__ import annotations

import types

import pytest

from apps.accounts.models import User
from apps.elections.models import Election
from apps.pages.tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def verdict(monkeypatch: pytest.MonkeyPatch) -> dict:  # type: ignore[type-arg]
    verdict = {
        "valid": True,
        "agree": True,
        "validators": [
            {"node_id": f"validator-{i}", "height": 12, "last_hash": "ab" * 32, "valid": True}
            for i in (1, 2, 3)
        ],
    }
    monkeypatch.setattr("apps.chain.verification.verify_election_on_chain", lambda _: verdict)
    monkeypatch.setattr(
        "apps.ledger.fallback.check_fallback_chain", lambda: types.SimpleNamespace(valid=True)
    )
    return verdict


def test_the_summary_shows_heights_hashes_and_agreement(
    alice: User,
    election: Election,
    verdict: dict,  # type: ignore[type-arg]
) -> None:
    page = client_for(alice).get(f"/elections/{election.pk}/verify/").content.decode()
    assert "they all agree" in page and "validator-3" in page and "ab" * 32 in page
    assert "backup ledger is intact" in page


def test_disagreement_is_shown(alice: User, election: Election, verdict: dict) -> None:  # type: ignore[type-arg]
    verdict.update(valid=False, agree=False)
    verdict["validators"][2].update(height=None, last_hash=None, valid=False)
    page = client_for(alice).get(f"/elections/{election.pk}/verify/").content.decode()
    assert "do not agree" in page


def test_an_outsider_sees_nothing(carol: User, election: Election, verdict: dict) -> None:  # type: ignore[type-arg]
    assert client_for(carol).get(f"/elections/{election.pk}/verify/").status_code == 404
