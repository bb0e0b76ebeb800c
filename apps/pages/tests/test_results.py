"""Results: turnout while open; after the tally, counts with an SVG chart, the proof, the chain
height and the election record to download."""

from __future__ import annotations

import json

import pytest

from apps.accounts.models import User
from apps.elections.models import Election
from apps.pages.tests.conftest import client_for
from apps.votes.services import cast_choice

pytestmark = pytest.mark.django_db


def test_while_open_only_the_turnout_is_shown(alice: User, election: Election) -> None:
    cast_choice(election, alice, [election.candidates.first().pk])
    page = client_for(alice).get(f"/elections/{election.pk}/results/").content.decode()
    assert "Turnout: 1 of 2 voters have voted." in page
    assert "<svg" not in page


def test_after_the_tally_counts_chart_proof_and_height_are_shown(
    alice: User, tallied: Election
) -> None:
    page = client_for(alice).get(f"/elections/{tallied.pk}/results/").content.decode()
    assert "<svg" in page and "2 (100%)" in page and "0 (0%)" in page
    assert '<th scope="row">Linus</th><td class="num">2</td>' in page
    assert "Decryption proof</dt><dd>valid" in page
    assert "Chain height</dt><dd>1" in page
    assert "validator-1, validator-2, validator-3" in page
    assert f"/elections/{tallied.pk}/record.json" in page


def test_the_election_record_verifies_with_evcrypto(
    alice: User, tallied: Election, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from evcrypto.verify import main as verify_main

    response = client_for(alice).get(f"/elections/{tallied.pk}/record.json")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    download = tmp_path / "record.json"
    download.write_bytes(response.content)
    assert verify_main([str(download)]) == 0  # the file exactly as downloaded
    tampered = response.json()
    tampered["results.json"]["results"][0]["votes"] += 1
    download.write_text(json.dumps(tampered))
    assert verify_main([str(download)]) == 1


def test_the_record_is_refused_before_the_tally(alice: User, election: Election) -> None:
    assert client_for(alice).get(f"/elections/{election.pk}/record.json").status_code == 409


def test_an_official_sees_results_and_an_outsider_sees_nothing(
    official: User, carol: User, tallied: Election
) -> None:
    assert client_for(official).get(f"/elections/{tallied.pk}/results/").status_code == 200
    assert client_for(carol).get(f"/elections/{tallied.pk}/results/").status_code == 404
    assert client_for(carol).get(f"/elections/{tallied.pk}/record.json").status_code == 404
