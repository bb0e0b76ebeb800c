"""The receipt: the voter's own transaction id and tracker, and a status the page polls."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.elections.models import Election
from apps.pages.tests.conftest import client_for
from apps.votes.models import Vote
from apps.votes.services import cast_choice

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_vote(alice: User, election: Election) -> Vote:
    return cast_choice(election, alice, [election.candidates.first().pk])


def test_the_receipt_shows_tracker_transaction_id_and_pending(
    alice: User, election: Election, alices_vote: Vote
) -> None:
    page = client_for(alice).get(f"/elections/{election.pk}/receipt/").content.decode()
    assert alices_vote.tracker in page and alices_vote.transaction_id in page
    assert 'data-status="pending"' in page and "Copy" in page


def test_the_status_endpoint_follows_the_vote_to_its_block(
    alice: User, election: Election, alices_vote: Vote
) -> None:
    client = client_for(alice)
    status_url = f"/elections/{election.pk}/receipt/status/"
    assert client.get(status_url).json()["status"] == "pending"
    Vote.objects.update(status=Vote.Status.SUBMITTED)
    assert client.get(status_url).json()["status"] == "pending"
    Vote.objects.update(status=Vote.Status.CONFIRMED, block_height=17)
    body = client.get(status_url).json()
    assert body == {
        "transaction_id": alices_vote.transaction_id,
        "status": "confirmed",
        "label": "confirmed",
        "block_height": 17,
    }
    assert "in block 17" in client.get(f"/elections/{election.pk}/receipt/").content.decode()


def test_a_voter_sees_only_their_own_receipt(
    alice: User, bob: User, election: Election, alices_vote: Vote
) -> None:
    bob_client = client_for(bob)
    response = bob_client.get(f"/elections/{election.pk}/receipt/")
    assert response.status_code == 302 and alices_vote.tracker not in response.content.decode()
    assert bob_client.get(f"/elections/{election.pk}/receipt/status/").status_code == 404


def test_outsiders_and_officials_have_no_receipt(
    carol: User, official: User, election: Election, alices_vote: Vote
) -> None:
    assert client_for(carol).get(f"/elections/{election.pk}/receipt/").status_code == 404
    assert client_for(carol).get(f"/elections/{election.pk}/receipt/status/").status_code == 404
    assert client_for(official).get(f"/elections/{election.pk}/receipt/status/").status_code == 404


def test_the_status_needs_a_login(election: Election, alices_vote: Vote) -> None:
    response = client_for(None).get(f"/elections/{election.pk}/receipt/status/")
    assert response.status_code == 302
