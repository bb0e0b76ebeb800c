"""The election admin: list, create, edit a draft, trustees and their key ceremony,
open / close / tally, the voter roll."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.elections.models import Election
from apps.elections.services import close_election
from apps.elections.services import open_election as open_election_verb
from apps.elections.tests.chain import confirm_on_chain
from apps.elections.tests.jobs import run_queued_jobs
from apps.elections.tests.test_admin_personas import Personas, meet_the_personas
from apps.trustees.models import Complaint
from apps.trustees.tests.ceremony import complete_ceremony, decrypt_as_trustees
from apps.votes.services import cast_choice
from tests.standin_validators import StandInNetwork

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:elections_election_changelist")
TRUSTEES = ["tina@example.org", "theo@example.org", "tara@example.org"]


@pytest.fixture
def people() -> Personas:
    return meet_the_personas()


@pytest.fixture(autouse=True)
def no_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    """Votes cast here stay in the outbox: the network client is not under test."""
    monkeypatch.setattr("apps.votes.services._schedule_delivery", lambda: None)


def open_election(election: Election) -> Election:
    """Open a draft once its three trustees (2 of 3) have completed their ceremony."""
    complete_ceremony(election, TRUSTEES)
    return open_election_verb(election)


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


def test_an_open_election_shows_no_editable_candidates(people: Personas) -> None:
    election = open_election(people.election)
    response = logged_in(people.official).get(change_url(election))
    assert response.status_code == 200
    assert 'name="candidates-0-name"' not in response.text
    assert 'name="title"' not in response.text
    assert "Close the election" in response.text
    assert "Trustees and key ceremony: 2 of 3" in response.text


def test_the_open_button_opens_a_draft_once_its_ceremony_is_complete(people: Personas) -> None:
    client = logged_in(people.official)
    response = transition(client, people.election, "open")
    assert "Board of the society: the key ceremony is not complete: no trustees" in response.text
    complete_ceremony(people.election, TRUSTEES)
    response = transition(client, people.election, "open")
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
    client = logged_in(people.official)
    response = run_action(client, "close_elections", people.election)
    assert "Board of the society: closing: see the progress below" in response.text
    people.election.refresh_from_db()
    assert people.election.state == Election.State.OPEN  # until the worker runs the job
    [job] = run_queued_jobs()
    assert (job.kind, job.state, job.step, job.done, job.total) == (
        "close",
        "done",
        "closing",
        1,
        1,
    )
    people.election.refresh_from_db()
    assert people.election.state == Election.State.CLOSED
    page = client.get(change_url(people.election)).text
    assert f'id="job-{job.pk}"' in page and "elections/jobs.js" in page


def test_tallying_shows_the_results_read_only(people: Personas, validators: StandInNetwork) -> None:
    keys = complete_ceremony(people.election, TRUSTEES)
    election = open_election_verb(people.election)
    grace = election.candidates.get(name="Grace")
    cast_choice(election, people.voter, [grace.pk])
    height = confirm_on_chain(validators, election)
    close_election(election)
    client = logged_in(people.official)
    response = run_action(client, "tally_elections", election)
    assert "Board of the society: tally started" in response.text
    [job] = run_queued_jobs()
    assert (job.state, job.step, job.done, job.total) == ("done", "waiting for trustees", 0, 2)
    assert job.result == {
        "election_state": "tallying",
        "ballots": 1,
        "next": "waiting for trustees",
    }
    page = client.get(change_url(election)).text
    assert "Waiting for 2 partial decryptions; received from:\n    nobody yet" in page
    decrypt_as_trustees(election, keys, [1])
    response = run_action(client, "tally_elections", election)
    assert (
        "1 of the 2 partial decryptions needed (from trustee 1 (tina@example.org))" in response.text
    )
    assert not run_queued_jobs()  # refused before any job was queued
    decrypt_as_trustees(election, keys, [2])
    page = client.get(change_url(election)).text
    assert "<tr><td>Ada</td><td>0</td></tr><tr><td>Grace</td><td>1</td></tr>" in page
    assert (
        f"1 ballots; chain height {height}, certified by validator-1, validator-2, validator-3 "
        "(quorum 2); decrypted by trustees 1, 2"
    ) in page
    assert "1 of 1 voted (100%)" in page


def test_a_tally_without_validators_is_reported_not_raised(
    people: Personas, validators: StandInNetwork
) -> None:
    close_election(open_election(people.election))
    for node in validators.nodes.values():
        node.down = True
    client = logged_in(people.official)
    run_action(client, "tally_elections", people.election)
    [job] = run_queued_jobs()
    assert job.state == "failed" and job.error_code == "chain_unavailable"
    assert job.step == "reading the chain from the validators"
    page = client.get(change_url(people.election)).text
    assert "the validators&#x27; chain cannot be certified: only 0 of the 2" in page
    people.election.refresh_from_db()
    assert people.election.state == Election.State.CLOSED


def test_an_official_names_trustees_and_the_page_shows_the_ceremony(people: Personas) -> None:
    client = logged_in(people.official)
    url = reverse("admin:elections_election_trustees", args=[people.election.pk])
    response = client.post(url, {"emails": "\n".join(TRUSTEES)}, follow=True)
    assert "trustees named, key ceremony started" in response.text
    assert "Trustees and key ceremony: 2 of 3" in response.text
    assert "trustee 1 (tina@example.org): publish an encryption key" in response.text
    assert 'name="candidates-0-name"' not in response.text  # the ceremony fixed the ballot


def test_a_single_trustee_is_labelled_as_one_on_the_page(people: Personas) -> None:
    client = logged_in(people.official)
    url = reverse("admin:elections_election_trustees", args=[people.election.pk])
    response = client.post(url, {"emails": "solo@example.org"}, follow=True)
    assert "1 of 1: a single trustee can decrypt every ballot alone" in response.text


def test_impossible_trustees_are_shown_and_nothing_is_named(people: Personas) -> None:
    client = logged_in(people.official)
    url = reverse("admin:elections_election_trustees", args=[people.election.pk])
    response = client.post(url, {"emails": "a@example.org\nb@example.org", "threshold": 3})
    assert response.status_code == 200
    assert "the threshold must be between 1 and 2" in response.text
    assert not people.election.trustees.exists()


def test_a_complaint_blocks_opening_until_the_dealer_is_replaced(people: Personas) -> None:
    complete_ceremony(people.election, TRUSTEES)
    people.election.refresh_from_db()
    Complaint.objects.create(
        election=people.election, accuser=2, dealer=3, reason="share does not match"
    )
    client = logged_in(people.official)
    response = transition(client, people.election, "open")
    assert "complaint: trustee 2 says the share from trustee 3 is bad" in response.text
    ceremony = reverse("admin:elections_election_ceremony", args=[people.election.pk])
    response = client.post(
        ceremony, {"ceremony": "replace", "index": 3, "email": "tom@example.org"}, follow=True
    )
    assert "trustee 3 is now tom@example.org" in response.text
    assert "trustee 3 (tom@example.org): publish an encryption key" in response.text
    assert Complaint.objects.get().resolution == "trustee 3 (tara@example.org) was replaced"
    people.election.refresh_from_db()
    assert people.election.state == Election.State.DRAFT


def test_restarting_the_ceremony_unfixes_the_ballot(people: Personas) -> None:
    complete_ceremony(people.election, TRUSTEES)
    client = logged_in(people.official)
    ceremony = reverse("admin:elections_election_ceremony", args=[people.election.pk])
    response = client.post(ceremony, {"ceremony": "restart"}, follow=True)
    assert "key ceremony restarted" in response.text
    assert 'name="candidates-0-name"' in response.text
    people.election.refresh_from_db()
    assert people.election.ceremony_id == "" and people.election.election_hash == ""
    assert not people.election.trustees.exclude(encryption_key="").exists()


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


def test_the_admin_index_names_the_roll_in_proper_english(people: Personas) -> None:
    page = logged_in(people.official).get(reverse("admin:index")).text
    assert "Roll entries" in page and "Roll entrys" not in page
