"""The election admin: list, create, edit a draft, open / close / tally, the voter roll."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.chain.reading import ChainBallot, ElectionChain
from apps.elections import keys, tally
from apps.elections.models import Election
from apps.elections.services import close_election, open_election
from apps.elections.tests.test_admin_personas import Personas, meet_the_personas
from apps.votes.models import Vote
from apps.votes.services import cast_choice

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:elections_election_changelist")


@pytest.fixture
def people() -> Personas:
    return meet_the_personas()


@pytest.fixture(autouse=True)
def no_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    """Votes cast here stay in the outbox: the chain client is not under test."""
    monkeypatch.setattr("apps.votes.services._schedule_delivery", lambda: None)


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def change_url(election: Election) -> str:
    return reverse("admin:elections_election_change", args=[election.pk])


def transition(client: Client, election: Election, name: str):  # type: ignore[no-untyped-def]
    url = reverse("admin:elections_election_transition", args=[election.pk])
    return client.post(url, {"transition": name}, follow=True)


def run_action(client: Client, action: str, *elections: Election):  # type: ignore[no-untyped-def]
    data = {"action": action, "_selected_action": [e.pk for e in elections]}
    return client.post(CHANGELIST, data, follow=True)


def test_the_list_shows_each_election_with_its_state_and_turnout(
    people: Personas, django_assert_max_num_queries
) -> None:
    open_election(people.election)
    client = logged_in(people.official)
    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert "Board of the society" in response.text
    assert ">open<" in response.text
    assert "0 of 1 voted (0%)" in response.text


def test_the_admin_is_closed_to_voters_and_outsiders(people: Personas) -> None:
    for user in (people.voter, people.outsider):
        response = logged_in(user).get(change_url(people.election))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_an_official_creates_a_draft_through_create_election(people: Personas) -> None:
    client = logged_in(people.official)
    form = {
        "title": "Treasurer",
        "candidates": "Mary\nJohn\n",
        "min_selections": 1,
        "max_selections": 1,
    }
    response = client.post(reverse("admin:elections_election_add"), form, follow=True)
    election = Election.objects.get(title="Treasurer")
    assert response.redirect_chain[-1][0] == change_url(election)
    assert election.state == Election.State.DRAFT
    assert list(election.candidates.values_list("name", flat=True)) == ["Mary", "John"]


def test_a_refused_creation_shows_the_verbs_reason(people: Personas) -> None:
    client = logged_in(people.official)
    form = {"title": "Treasurer", "candidates": "Mary\nMary", "min_selections": 1}
    form["max_selections"] = 1
    response = client.post(reverse("admin:elections_election_add"), form)
    assert response.status_code == 200
    assert "each with a distinct name" in response.text
    assert not Election.objects.filter(title="Treasurer").exists()


def test_a_drafts_candidates_are_editable_inline(people: Personas) -> None:
    response = logged_in(people.official).get(change_url(people.election))
    assert response.status_code == 200
    assert 'name="candidates-0-name"' in response.text
    assert 'name="title"' in response.text
    assert "Open the election" in response.text


def test_an_open_election_shows_no_key_material_and_no_editable_candidates(
    people: Personas,
) -> None:
    election = open_election(people.election)
    response = logged_in(people.official).get(change_url(election))
    assert response.status_code == 200
    assert 'name="candidates-0-name"' not in response.text
    assert 'name="title"' not in response.text
    public_key = election.public_key["commitments"][0]["coefficients"][0]
    secret = format(keys.unseal(election.sealed_private_key).secret, "x")
    for key_material in (election.sealed_private_key, public_key, secret):
        assert key_material not in response.text
    assert "Close the election" in response.text


def test_the_open_button_opens_a_draft(people: Personas) -> None:
    response = transition(logged_in(people.official), people.election, "open")
    assert "Board of the society: opened" in response.text
    people.election.refresh_from_db()
    assert people.election.state == Election.State.OPEN


def test_state_buttons_take_only_posts(people: Personas) -> None:
    url = reverse("admin:elections_election_transition", args=[people.election.pk])
    assert logged_in(people.official).get(url).status_code == 405


def test_the_open_action_reports_the_verbs_refusal(people: Personas) -> None:
    open_election(people.election)
    response = run_action(logged_in(people.official), "open_elections", people.election)
    assert "only a draft election can open (this one is open)" in response.text


def test_the_close_action_closes_an_open_election(people: Personas) -> None:
    open_election(people.election)
    response = run_action(logged_in(people.official), "close_elections", people.election)
    assert "Board of the society: closed" in response.text
    people.election.refresh_from_db()
    assert people.election.state == Election.State.CLOSED


def test_tallying_shows_the_results_read_only(
    people: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    election = open_election(people.election)
    grace = election.candidates.get(name="Grace")
    cast_choice(election, people.voter, [grace.pk])
    ballots = [
        ChainBallot(v.transaction_id, v.voter_pseudonym, v.ballot, 3, "ab" * 32)
        for v in Vote.objects.all()
    ]
    monkeypatch.setattr(
        tally, "election_chain", lambda _: ElectionChain("validator-1", ballots, {"valid": True})
    )
    Vote.objects.update(status=Vote.Status.CONFIRMED)  # as the stubbed chain says
    close_election(election)
    client = logged_in(people.official)
    response = run_action(client, "tally_elections", election)
    assert "Board of the society: tallied" in response.text
    page = client.get(change_url(election)).text
    assert "<tr><td>Ada</td><td>0</td></tr><tr><td>Grace</td><td>1</td></tr>" in page
    assert "1 ballots; chain height 3 read from validator-1" in page
    assert "1 of 1 voted (100%)" in page


def test_a_tally_without_validators_is_reported_not_raised(people: Personas) -> None:
    def unavailable(_: str) -> None:
        raise tally.ChainUnavailable("no validator answered")

    close_election(open_election(people.election))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tally, "election_chain", unavailable)
        response = run_action(logged_in(people.official), "tally_elections", people.election)
    assert "no validator answered; try again when the network is back" in response.text
    people.election.refresh_from_db()
    assert people.election.state == Election.State.CLOSED


def test_an_observer_may_look_but_not_change_the_state(people: Personas) -> None:
    client = logged_in(people.observer)
    assert client.get(change_url(people.election)).status_code == 200
    assert "open_elections" not in client.get(CHANGELIST).text
    assert transition(client, people.election, "open").status_code == 403
    people.election.refresh_from_db()
    assert people.election.state == Election.State.DRAFT


def test_only_a_draft_can_be_deleted(people: Personas) -> None:
    client = logged_in(people.official)
    delete_url = reverse("admin:elections_election_delete", args=[people.election.pk])
    assert client.get(delete_url).status_code == 200
    open_election(people.election)
    assert client.get(delete_url).status_code == 403


def test_the_roll_shows_who_voted_but_not_what(people: Personas) -> None:
    election = open_election(people.election)
    vote = cast_choice(election, people.voter, [election.candidates.first().pk])
    url = reverse("admin:elections_rollentry_changelist") + f"?election__id__exact={election.pk}"
    response = logged_in(people.official).get(url)
    assert response.status_code == 200
    assert "vera@example.org" in response.text
    assert 'alt="True"' in response.text
    assert vote.ballot[:40] not in response.text and vote.tracker not in response.text


def test_the_roll_is_read_only(people: Personas) -> None:
    client = logged_in(people.official)
    assert client.get(reverse("admin:elections_rollentry_add")).status_code == 403
