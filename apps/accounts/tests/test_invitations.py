"""Invitations: a voter whose account was made for them sets their own password through a
one-time link; officials never choose it."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from apps.accounts.invitations import send_invitations
from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.services import VoterRow, add_voters, create_election

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/invitation/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def draft(db: None) -> Election:
    election = create_election("Board", ["Ada", "Grace"])
    add_voters(election, [VoterRow("nina@example.org", "Nina")])
    return election


def invitation_path(election: Election) -> str:
    nina = User.objects.get(email="nina@example.org")
    assert send_invitations(election.pk, [nina.pk]) == 1
    (message,) = mail.outbox
    assert message.to == ["nina@example.org"] and "Board" in message.subject
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def test_the_link_lets_the_voter_choose_a_password_once_and_log_in(draft: Election) -> None:
    path = invitation_path(draft)
    client = Client()
    form = client.get(path, follow=True)
    assert "Choose your password" in form.content.decode()
    new_password = "a password Nina chose herself"
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert "Your new password is set." in done.content.decode()
    assert User.objects.get(email="nina@example.org").check_password(new_password)
    again = Client().get(path, follow=True).content.decode()
    assert "This link has been used or has expired." in again
    assert Client().login(username="nina@example.org", password=new_password)


def test_the_link_names_the_configured_site(draft: Election, settings: object) -> None:
    settings.SITE_URL = "https://vote.example.org"  # type: ignore[attr-defined]
    invitation_path(draft)
    assert "https://vote.example.org/invitation/" in mail.outbox[0].body


def test_nobody_off_the_roll_is_invited(draft: Election) -> None:
    stranger = User.objects.create_user("stranger@example.org", None)
    assert send_invitations(draft.pk, [stranger.pk]) == 0
    assert mail.outbox == []
