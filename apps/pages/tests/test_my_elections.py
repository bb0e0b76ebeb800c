"""My elections: the open elections whose roll holds the voter, voted or not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.services import create_election
from apps.pages.tests.conftest import client_for
from apps.votes.services import cast_choice

pytestmark = pytest.mark.django_db


def test_a_voter_sees_their_open_election_and_a_vote_link(alice: User, election: Election) -> None:
    page = client_for(alice).get("/elections/").content.decode()
    assert "Board" in page and f"/elections/{election.pk}/ballot/" in page
    assert "You have not voted yet." in page


def test_after_voting_the_voter_sees_the_receipt_link(alice: User, election: Election) -> None:
    cast_choice(election, alice, [election.candidates.first().pk])
    page = client_for(alice).get("/elections/").content.decode()
    assert "You have voted." in page and f"/elections/{election.pk}/receipt/" in page


def test_an_outsider_sees_nothing_of_the_election(carol: User, election: Election) -> None:
    page = client_for(carol).get("/elections/").content.decode()
    assert "Board" not in page and "on the roll of no open election" in page


def test_draft_elections_are_not_listed(alice: User, election: Election) -> None:
    create_election("Secret draft", ["A", "B"])
    assert "Secret draft" not in client_for(alice).get("/elections/").content.decode()


def test_the_closing_time_is_shown_in_utc_for_the_page_to_show_in_local_time(
    alice: User, election: Election
) -> None:
    closes = datetime(2031, 3, 4, 17, 30, tzinfo=UTC)
    Election.objects.filter(pk=election.pk).update(closes_at=closes)
    page = client_for(alice).get("/elections/").content.decode()
    assert (
        'Voting closes: <time class="local-time" datetime="2031-03-04T17:30:00+00:00">'
        "2031-03-04 17:30 UTC</time>"
    ) in page
    assert "pages/localtime.js" in page
    client = client_for(alice)
    client.cookies["django_language"] = "fr"
    assert "Clôture du vote :" in client.get(f"/elections/{election.pk}/ballot/").content.decode()
