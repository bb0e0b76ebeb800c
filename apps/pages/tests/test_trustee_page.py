"""/trustee/: a trustee sees each election they hold a share of, what is done and what is
pending, and the command lines to run on their own machine."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.services import close_election
from apps.elections.tally import begin_tally
from apps.elections.tests.chain import confirm_on_chain
from apps.pages.tests.conftest import client_for
from apps.trustees.services import name_trustees
from apps.trustees.tests.ceremony import decrypt_as_trustees
from evcrypto import TrusteeKey
from tests.standin_validators import StandInNetwork

pytestmark = pytest.mark.django_db


def page_of(email: str) -> str:
    return client_for(User.objects.get(email=email)).get("/trustee/").content.decode()


def test_a_named_trustee_sees_the_command_to_run_and_everyones_progress(
    draft_election: Election,
) -> None:
    name_trustees(draft_election, ["tina@example.org", "theo@example.org", "tara@example.org"])
    page = page_of("theo@example.org")
    assert "You are trustee 2 (2 of 3). The election is draft." in page
    assert "Your part of the key ceremony is pending." in page
    assert (
        f"python -m trustee ceremony --server http://testserver --election {draft_election.pk}"
        f" --email theo@example.org --secret-file election-{draft_election.pk}-trustee-2.secret"
        " --wait"
    ) in page
    assert "1. tina@example.org</td><td>publish an encryption key" in page


def test_during_the_tally_a_trustee_is_shown_how_to_decrypt_until_it_has(
    election: Election,
    validators: StandInNetwork,
    trustee_keys: dict[int, TrusteeKey],
    alice: User,
) -> None:
    cast = election.candidates.first()
    from apps.votes.services import cast_choice

    cast_choice(election, alice, [cast.pk])
    confirm_on_chain(validators, election)
    begin_tally(close_election(election))
    page = page_of("tina@example.org")
    assert "The tally is waiting for your partial decryption." in page
    assert "python -m trustee decrypt" in page and "--genesis genesis.json" in page
    decrypt_as_trustees(election, trustee_keys, [1])
    assert "Your partial decryption was accepted." in page_of("tina@example.org")


def test_the_page_is_in_the_navigation_of_trustees_only(election: Election, alice: User) -> None:
    assert 'href="/trustee/"' in page_of("tina@example.org")
    assert 'href="/trustee/"' not in client_for(alice).get("/elections/").content.decode()
    assert (
        "You are a trustee of no election." in client_for(alice).get("/trustee/").content.decode()
    )


def test_someone_logged_out_is_sent_to_log_in(db: None) -> None:
    response = client_for(None).get("/trustee/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
