"""The verify page: each validator's height and last hash, whether they agree, the fallback."""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest
from pytest_django.fixtures import SettingsWrapper

from apps.accounts.models import User
from apps.elections.models import Election
from apps.network.genesis import network_genesis
from apps.network.tests.fakes import FakeNetwork
from apps.network.tests.network import fake_network, point_at_network
from apps.pages.tests.conftest import client_for
from validators.core.blocks import genesis_hash
from validators.core.genesis import Genesis, genesis_from_dict

pytestmark = pytest.mark.django_db

__all__ = ["fake_network"]  # a fixture, used by `network` below


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
    monkeypatch.setattr("apps.network.verification.verify_election_on_chain", lambda _: verdict)
    monkeypatch.setattr(
        "apps.fallback.integrity.check_fallback_chain", lambda: types.SimpleNamespace(valid=True)
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


@pytest.fixture
def network(fake_network: FakeNetwork) -> Genesis:
    """Genesis of three validators on made-up hosts (validator-N.test:800N)."""
    return network_genesis()


def test_the_page_says_how_to_check_it_all_without_this_server(
    alice: User,
    election: Election,
    verdict: dict,  # type: ignore[type-arg]
    network: Genesis,
) -> None:
    page = client_for(alice).get(f"/elections/{election.pk}/verify/").content.decode()
    assert "Check it yourself" in page
    assert genesis_hash(network.to_dict()) in page
    assert 'href="/network/genesis.json"' in page
    nodes = " ".join(f"--node http://validator-{n}.test:800{n}" for n in (1, 2, 3))
    assert f"validators.audit --genesis genesis.json {nodes} --record record.json" in page
    assert "Once the election is tallied" in page and 'record.json">' not in page


def test_after_the_tally_the_page_links_the_record_to_check(
    alice: User,
    tallied: Election,
    verdict: dict,  # type: ignore[type-arg]
    network: Genesis,
) -> None:
    page = client_for(alice).get(f"/elections/{tallied.pk}/verify/").content.decode()
    assert f'<a href="/elections/{tallied.pk}/record.json">election record</a>' in page


def test_without_a_network_the_page_leaves_the_section_out(
    alice: User,
    election: Election,
    verdict: dict,  # type: ignore[type-arg]
    settings: SettingsWrapper,
    tmp_path: Path,
) -> None:
    point_at_network(settings, tmp_path / "nothing")
    response = client_for(alice).get(f"/elections/{election.pk}/verify/")
    assert response.status_code == 200
    assert "Check it yourself" not in response.content.decode()


def test_anyone_may_download_genesis_as_the_validators_hold_it(network: Genesis) -> None:
    response = client_for(None).get("/network/genesis.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert genesis_from_dict(json.loads(response.content)) == network


def test_without_a_network_genesis_is_a_404_with_a_code(
    db: None, settings: SettingsWrapper, tmp_path: Path
) -> None:
    point_at_network(settings, tmp_path / "nothing")
    response = client_for(None).get("/network/genesis.json")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "this server has no validator network",
        "code": "no_network",
    }
