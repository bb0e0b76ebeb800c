"""Reminder e-mails: one to each voter on an open election's roll who has not voted, with a
link to the log-in page and no log-in token; sent by the worker, never twice; a scheduled one
goes out once its time has passed, once."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import SettingsWrapper

from apps.accounts.models import User
from apps.elections.errors import InvalidInput, WrongState
from apps.elections.models import Election, Reminder, RollEntry
from apps.elections.reminders import dispatch_due_reminders, schedule_reminder, send_reminder
from apps.elections.schedule import run_schedule
from apps.elections.services import (
    VoterRow,
    add_voters,
    close_election,
    create_election,
    open_election,
)
from apps.elections.tests.test_admin_elections import logged_in
from apps.elections.tests.test_admin_personas import OBSERVER_PERMISSIONS, staff
from apps.votes.services import cast_choice
from evoting.celery import app

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
URL = re.compile(r"https?://\S+")


@pytest.fixture(autouse=True)
def worker_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's tasks run in this process when they are queued (no broker here)."""
    monkeypatch.setattr(app.conf, "task_always_eager", True)


@pytest.fixture
def site(settings: SettingsWrapper) -> str:
    settings.SITE_URL = "https://vote.example.org"
    return "https://vote.example.org/login/"


@pytest.fixture
def four_voters(
    draft_election: Election, trustee_keys: object, alice: User, bob: User
) -> Iterator[Election]:
    """Alice, Bob, Dave and Erin on the roll of an open election; Alice has voted."""
    for email in ("dave@example.org", "erin@example.org"):
        User.objects.create_user(email, "a password")
    add_voters(draft_election, [VoterRow("dave@example.org"), VoterRow("erin@example.org")])
    election = open_election(draft_election)
    cast_choice(election, alice, [election.candidates.first().pk])  # type: ignore[union-attr]
    mail.outbox.clear()
    yield election


NOT_VOTED = {"bob@example.org", "dave@example.org", "erin@example.org"}


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def check_no_token(site: str) -> None:
    for message in mail.outbox:
        assert URL.findall(message.body) == [site], message.body
        assert "Reminder" in message.subject and "Board" in message.subject


def test_a_reminder_now_reaches_exactly_the_voters_who_have_not_voted(
    four_voters: Election, site: str, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        reminder = schedule_reminder(four_voters)
    assert recipients() == sorted(NOT_VOTED)
    check_no_token(site)
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SENT and reminder.sent == 3
    reminded = RollEntry.objects.filter(election=four_voters, reminder=reminder)
    assert {e.user.email for e in reminded} == NOT_VOTED
    assert send_reminder(reminder.pk) == 0  # the task run again sends nothing
    assert len(mail.outbox) == 3


def test_a_run_repeated_mid_way_never_e_mails_a_voter_twice(
    four_voters: Election, site: str
) -> None:
    reminder = schedule_reminder(four_voters, timezone.now() + HOUR)
    Reminder.objects.filter(pk=reminder.pk).update(
        state=Reminder.State.SENDING, send_at=timezone.now()
    )
    first = RollEntry.objects.filter(election=four_voters, voted_at__isnull=True).order_by("pk")[0]
    RollEntry.objects.filter(pk=first.pk).update(reminder=reminder)  # a run stopped after one
    assert send_reminder(reminder.pk, batch_size=1) == 2
    assert first.user.email not in recipients() and len(recipients()) == 2
    assert send_reminder(reminder.pk, batch_size=1) == 0


class RefusingMailServer(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPDataError(451, b"try again later")


def test_a_batch_the_mail_server_refuses_is_sent_when_the_run_is_taken_up_again(
    four_voters: Election, site: str, settings: SettingsWrapper
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.RefusingMailServer"
    reminder = schedule_reminder(four_voters, timezone.now() + HOUR)
    Reminder.objects.filter(pk=reminder.pk).update(
        state=Reminder.State.SENDING, send_at=timezone.now()
    )
    with pytest.raises(smtplib.SMTPDataError):
        send_reminder(reminder.pk)
    assert not RollEntry.objects.filter(reminder=reminder).exists()
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SENDING and reminder.sent == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    stalled = timezone.now() + timedelta(seconds=settings.JOB_STALL_SECONDS + 1)
    assert dispatch_due_reminders(stalled) == [reminder.pk]
    assert recipients() == sorted(NOT_VOTED)
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SENT and reminder.sent == 3


def test_a_later_reminder_goes_to_those_who_still_have_not_voted(
    four_voters: Election, bob: User, site: str, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        schedule_reminder(four_voters)
    cast_choice(four_voters, bob, [four_voters.candidates.first().pk])  # type: ignore[union-attr]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        schedule_reminder(four_voters)
    assert recipients() == ["dave@example.org", "erin@example.org"]


def test_a_scheduled_reminder_is_sent_by_the_schedule_once_its_time_passes_once(
    four_voters: Election, site: str
) -> None:
    at = timezone.now() + HOUR
    reminder = schedule_reminder(four_voters, at)
    assert run_schedule().reminders == [] and mail.outbox == []
    assert run_schedule(at + timedelta(seconds=1)).reminders == [reminder.pk]
    assert recipients() == sorted(NOT_VOTED)
    check_no_token(site)
    assert run_schedule(at + HOUR).reminders == []
    assert len(mail.outbox) == 3
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SENT and reminder.sent == 3


def test_a_scheduled_reminder_of_an_election_closed_by_then_sends_nothing(
    four_voters: Election,
) -> None:
    at = timezone.now() + HOUR
    reminder = schedule_reminder(four_voters, at)
    close_election(four_voters)
    run_schedule(at + timedelta(seconds=1))
    reminder.refresh_from_db()
    assert mail.outbox == [] and reminder.state == Reminder.State.SKIPPED
    assert "the election was closed" in reminder.note


def test_reminders_that_cannot_be_sent_are_refused(four_voters: Election) -> None:
    draft = create_election("Later", ["X", "Y"], opens_at=timezone.now() + 2 * HOUR)
    with pytest.raises(WrongState, match="open election"):
        schedule_reminder(draft)  # a draft's voters cannot be reminded now
    with pytest.raises(InvalidInput, match="after the election opens"):
        schedule_reminder(draft, timezone.now() + HOUR)
    assert schedule_reminder(draft, timezone.now() + 3 * HOUR).state == Reminder.State.SCHEDULED
    Reminder.objects.all().delete()
    with pytest.raises(InvalidInput, match="in the future"):
        schedule_reminder(four_voters, timezone.now() - timedelta(minutes=1))
    Election.objects.filter(pk=four_voters.pk).update(closes_at=timezone.now() + HOUR)
    four_voters.refresh_from_db()
    with pytest.raises(InvalidInput, match="before the election closes"):
        schedule_reminder(four_voters, timezone.now() + 2 * HOUR)
    closed = close_election(four_voters)
    with pytest.raises(WrongState, match="this one is closed"):
        schedule_reminder(closed, timezone.now() + timedelta(minutes=5))
    assert not Reminder.objects.exists()


def test_an_official_sends_a_reminder_from_the_admin_and_sees_it(
    four_voters: Election, official: User, site: str, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("admin:elections_election_reminders", args=[four_voters.pk])
    with_official = logged_in(official)
    with django_capture_on_commit_callbacks(execute=True):
        page = with_official.post(url, {"now": "1"}, follow=True).content.decode()
    assert "a reminder will be sent now to the voters who have not voted (3 at present)" in page
    assert recipients() == sorted(NOT_VOTED)
    page = with_official.get(reverse("admin:elections_election_change", args=[four_voters.pk]))
    assert re.search(r'class="reminder-sent">3<', page.content.decode())
    at = (timezone.now() + HOUR).strftime("%Y-%m-%d %H:%M")
    page = with_official.post(url, {"schedule": "1", "send_at": at}, follow=True).content.decode()
    assert f"a reminder will be sent at {at} UTC" in page
    assert Reminder.objects.filter(state=Reminder.State.SCHEDULED).count() == 1


def test_a_reminder_is_refused_to_staff_who_may_only_look_and_to_voters(
    four_voters: Election, bob: User
) -> None:
    url = reverse("admin:elections_election_reminders", args=[four_voters.pk])
    observer = staff("otto@example.org", OBSERVER_PERMISSIONS)
    assert logged_in(observer).post(url, {"now": "1"}).status_code == 403
    refused = logged_in(bob).post(url, {"now": "1"})
    assert refused.status_code == 302 and "/admin/login/" in refused["Location"]
    assert not Reminder.objects.exists() and mail.outbox == []
