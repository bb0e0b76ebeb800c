"""The ballot page: an accessible form; casting the browser's encrypted ballot or, without
JavaScript, the choice the server encrypts at once and never stores."""

from __future__ import annotations

import json

import pytest
from django.contrib.sessions.models import Session

from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.services import ballot_rules, close_election
from apps.pages.tests.conftest import client_for, csrf_post
from apps.votes.models import Vote
from apps.votes.services import voter_pseudonym
from evcrypto import ballot_from_json, ballot_to_json, encrypt_ballot, verify_ballot

pytestmark = pytest.mark.django_db


def url(election: Election) -> str:
    return f"/elections/{election.pk}/ballot/"


def test_the_ballot_is_a_labelled_fieldset_of_radio_buttons_with_csrf(
    alice: User, election: Election
) -> None:
    page = client_for(alice).get(url(election)).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    assert "<fieldset" in page and "<legend>Choose exactly 1 candidate.</legend>" in page
    for candidate in election.candidates.all():
        assert (
            f'type="radio" name="candidate" value="{candidate.pk}" id="candidate-{candidate.pk}"'
            in page
        )
        assert f'<label for="candidate-{candidate.pk}">{candidate.name}</label>' in page
    assert "What happens when you cast" in page
    assert "JavaScript is off, so your choice is sent to the server" in page


def test_the_page_carries_what_the_browser_needs_to_encrypt(
    alice: User, election: Election
) -> None:
    response = client_for(alice).get(url(election))
    crypto = response.context["crypto"]
    assert crypto["voter_pseudonym"] == voter_pseudonym(election, alice)
    assert crypto["election_hash"] == election.election_hash
    assert crypto["group"] == "secp256k1" and crypto["candidate_count"] == 3


def test_without_javascript_the_server_encrypts_and_never_stores_the_choice(
    alice: User, election: Election, caplog: pytest.LogCaptureFixture
) -> None:
    grace = election.candidates.get(name="Grace")
    client = client_for(alice)
    response = csrf_post(client, url(election), {"candidate": str(grace.pk)})
    assert response.status_code == 302
    assert response["Location"] == f"/elections/{election.pk}/receipt/"
    vote = Vote.objects.get()
    assert "Grace" not in vote.ballot and "candidate" not in vote.ballot
    # Nothing else the server keeps holds the choice: not the session, not the logs.
    for session in Session.objects.all():
        assert set(session.get_decoded()) <= {
            "_auth_user_id",
            "_auth_user_backend",
            "_auth_user_hash",
        }
    assert "Grace" not in caplog.text and f"candidate={grace.pk}" not in caplog.text
    assert "Grace" not in json.dumps(dict(client.cookies.items()), default=str)
    rules = ballot_rules(election)
    parsed = ballot_from_json(vote.ballot.encode(), rules.public_key.group)
    verify_ballot(rules.parameters, rules.public_key, vote.voter_pseudonym, parsed)


def test_a_browser_ballot_is_checked_by_the_server_and_cast(
    alice: User, election: Election
) -> None:
    rules = ballot_rules(election)
    ballot = encrypt_ballot(
        rules.parameters, rules.public_key, voter_pseudonym(election, alice), [0, 0, 1]
    )
    response = csrf_post(
        client_for(alice), url(election), {"ballot": ballot_to_json(ballot).decode()}
    )
    assert response.status_code == 302
    assert Vote.objects.get().ballot == ballot_to_json(ballot).decode()


def test_a_ballot_made_for_another_voter_is_refused(
    alice: User, bob: User, election: Election
) -> None:
    rules = ballot_rules(election)
    ballot = encrypt_ballot(
        rules.parameters, rules.public_key, voter_pseudonym(election, bob), [1, 0, 0]
    )
    response = csrf_post(
        client_for(alice), url(election), {"ballot": ballot_to_json(ballot).decode()}
    )
    assert response.status_code == 400
    assert "did not verify" in response.content.decode()
    assert not Vote.objects.exists()


@pytest.mark.parametrize("junk", ["{", "null", "[]", '{"a":1}', "\x00" * 10, "é" * 3000])
def test_a_malformed_ballot_is_an_error_message_not_a_crash(
    alice: User, election: Election, junk: str
) -> None:
    response = csrf_post(client_for(alice), url(election), {"ballot": junk})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


def test_no_choice_shows_the_error_summary(alice: User, election: Election) -> None:
    response = csrf_post(client_for(alice), url(election), {})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error-summary"' in page and "Choose exactly 1 candidate." in page


@pytest.mark.parametrize("choice", [["1", "2"], ["999999"], ["abc"]])
def test_a_wrong_choice_is_refused(alice: User, election: Election, choice: list[str]) -> None:
    response = csrf_post(client_for(alice), url(election), {"candidate": choice})
    assert response.status_code == 400
    assert not Vote.objects.exists()


def test_casting_without_the_csrf_token_is_refused(alice: User, election: Election) -> None:
    response = client_for(alice).post(
        url(election), {"candidate": str(election.candidates.first().pk)}
    )
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_a_second_visit_after_voting_goes_to_the_receipt(alice: User, election: Election) -> None:
    client = client_for(alice)
    csrf_post(client, url(election), {"candidate": str(election.candidates.first().pk)})
    response = client.get(url(election))
    assert response.status_code == 302 and response["Location"].endswith("/receipt/")
    assert Vote.objects.count() == 1


def test_an_outsider_gets_a_404(carol: User, election: Election) -> None:
    assert client_for(carol).get(url(election)).status_code == 404
    assert client_for(carol).post(url(election), {}).status_code in (403, 404)


def test_an_official_not_on_the_roll_cannot_vote(official: User, election: Election) -> None:
    page = client_for(official).get(url(election)).content.decode()
    assert "not on this election's voter roll" in page and "<fieldset" not in page


def test_a_closed_election_shows_no_ballot(alice: User, election: Election) -> None:
    close_election(election)
    page = client_for(alice).get(url(election)).content.decode()
    assert "not open for voting" in page and "<fieldset" not in page


def test_an_unknown_election_is_a_404(alice: User) -> None:
    assert client_for(alice).get("/elections/424242/ballot/").status_code == 404
