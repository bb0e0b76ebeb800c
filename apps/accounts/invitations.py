"""Invitations: a voter whose account was made for them gets an e-mail with a one-time link to
set their own password. Officials never choose voters' passwords.

The link is Django's password-reset token for the account (PasswordResetTokenGenerator): it
works once, since setting the password changes what the token is made from, and it expires
after PASSWORD_RESET_TIMEOUT. E-mails go out from the worker (`send_invitations` task), once
the roll that made the accounts is committed; officials can send them again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from apps.accounts.models import User

if TYPE_CHECKING:
    from apps.elections.models import Election

log = logging.getLogger("apps.accounts")


def invitation_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("pages:invitation", kwargs={"uidb64": uid, "token": token})
    return settings.SITE_URL.rstrip("/") + path


def send_invitation(user: User, election_title: str) -> None:
    context = {"user": user, "election": election_title, "link": invitation_link(user)}
    subject = render_to_string("pages/invitation_subject.txt", context).strip()
    body = render_to_string("pages/invitation_email.txt", context)
    send_mail(subject, body, None, [user.email])


def send_invitations(election_id: int, user_ids: Iterable[int]) -> int:
    """E-mail an invitation to each of these voters of the election; how many were sent."""
    from apps.elections.models import Election

    election = Election.objects.get(pk=election_id)
    sent = 0
    for user in User.objects.filter(
        pk__in=list(user_ids), is_active=True, rolls__election=election
    ):
        send_invitation(user, election.title)
        sent += 1
    log.info("invitations sent election=%s sent=%s", election_id, sent)
    return sent


def queue_invitations(election: Election, user_ids: list[int]) -> None:
    """Have the worker send the invitations once the current transaction commits."""
    from apps.accounts.tasks import send_invitations as task

    election_id = election.pk
    transaction.on_commit(lambda: task.delay(election_id, user_ids))
