"""Reminder e-mails: one e-mail to every voter on an open election's roll who has not voted.

An official asks for one now, or for a time (`schedule_reminder`). Either way the worker sends
it: `dispatch_reminder` moves a due reminder from scheduled to sending with a conditional
update (so it is handed to the worker once, whether the request's commit or the schedule's
beat gets there first) and queues `send_reminder`, which e-mails the voters in batches of
REMINDER_BATCH_SIZE. Each voter's roll entry is claimed with a conditional update before the
e-mail is built (RollEntry.reminder), so a run repeated or run twice at once never e-mails a
voter twice for the same reminder. A reminder whose run stopped (its worker died) is taken up
again by the beat once it has been silent for JOB_STALL_SECONDS; the claims make that safe.

The e-mail carries no token: only the site's log-in page, at SITE_URL.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.elections.errors import InvalidInput, WrongState
from apps.elections.models import Election, Reminder, RollEntry

log = logging.getLogger("apps.elections")


def schedule_reminder(
    election: Election, send_at: datetime | None = None, user: User | None = None
) -> Reminder:
    """A reminder to the election's voters who have not voted: now (send_at None), or at
    send_at. Now needs an open election; a later time a draft or open one, before it closes."""
    now = timezone.now()
    election = Election.objects.get(pk=election.pk)  # its state now, not when it was read
    allowed = (
        [Election.State.OPEN] if send_at is None else [Election.State.DRAFT, Election.State.OPEN]
    )
    if election.state not in allowed:
        raise WrongState(
            f"reminders go to the voters of an open election (this one is {election.state})"
        )
    if send_at is not None:
        if send_at <= now:
            raise InvalidInput("a reminder's time must be in the future (or send it now)")
        if election.closes_at and send_at >= election.closes_at:
            raise InvalidInput("a reminder's time must be before the election closes")
        if election.opens_at and send_at < election.opens_at:
            raise InvalidInput("a reminder's time must be after the election opens")
    reminder = Reminder.objects.create(election=election, send_at=send_at or now, created_by=user)
    log.info(
        "reminder scheduled id=%s election=%s send_at=%s",
        reminder.pk,
        election.pk,
        reminder.send_at.isoformat(),
        extra={"election": election.pk},
    )
    if send_at is None:
        pk = reminder.pk
        transaction.on_commit(lambda: dispatch_reminder(pk))
    return reminder


def pending_recipients(reminder: Reminder) -> QuerySet[RollEntry]:
    """The roll entries this reminder has still to e-mail: active voters who have not voted
    and have not had it (an entry reminded earlier carries an older reminder)."""
    return RollEntry.objects.filter(
        Q(reminder__isnull=True) | Q(reminder_id__lt=reminder.pk),
        election_id=reminder.election_id,
        voted_at__isnull=True,
        user__is_active=True,
    )


def dispatch_reminder(reminder_id: int, now: datetime | None = None) -> bool:
    """Hand a scheduled reminder due by `now` to the worker, once; whether this call did."""
    now = now or timezone.now()
    claimed = Reminder.objects.filter(
        pk=reminder_id, state=Reminder.State.SCHEDULED, send_at__lte=now
    ).update(state=Reminder.State.SENDING, updated_at=now)
    if claimed:
        _enqueue(reminder_id)
    return bool(claimed)


def _enqueue(reminder_id: int) -> None:
    from apps.elections.tasks import send_reminder_task

    send_reminder_task.delay(reminder_id)


def dispatch_due_reminders(now: datetime) -> list[int]:
    """The schedule's part: every scheduled reminder whose time has come goes to the worker,
    and so does every sending one whose run has been silent for JOB_STALL_SECONDS."""
    due = Reminder.objects.filter(state=Reminder.State.SCHEDULED, send_at__lte=now)
    dispatched = [pk for pk in due.values_list("pk", flat=True) if dispatch_reminder(pk, now)]
    cutoff = now - timedelta(seconds=settings.JOB_STALL_SECONDS)
    for pk in Reminder.objects.filter(
        state=Reminder.State.SENDING, updated_at__lt=cutoff
    ).values_list("pk", flat=True):
        if Reminder.objects.filter(
            pk=pk, state=Reminder.State.SENDING, updated_at__lt=cutoff
        ).update(updated_at=now):
            log.warning("reminder id=%s stopped while sending: taken up again", pk)
            _enqueue(pk)
            dispatched.append(pk)
    return dispatched


def login_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("pages:login")


def reminder_email(election: Election, entry: RollEntry) -> EmailMessage:
    context = {
        "election": election.title,
        "closes_at": election.closes_at,
        "user": entry.user,
        "login_url": login_url(),
    }
    subject = render_to_string("pages/reminder_subject.txt", context).strip()
    body = render_to_string("pages/reminder_email.txt", context)
    return EmailMessage(subject, body, None, [entry.user.email])


def send_reminder(reminder_id: int, batch_size: int | None = None) -> int:
    """The worker's side: e-mail the reminder to every voter still to have it, in batches;
    how many e-mails this run sent. Nothing is sent unless the election is open."""
    size = batch_size or settings.REMINDER_BATCH_SIZE
    reminder = Reminder.objects.select_related("election").get(pk=reminder_id)
    election = reminder.election
    if reminder.state in (Reminder.State.SENT, Reminder.State.SKIPPED):
        return 0
    if election.state != Election.State.OPEN:
        Reminder.objects.filter(
            pk=reminder.pk, state__in=[Reminder.State.SCHEDULED, Reminder.State.SENDING]
        ).update(
            state=Reminder.State.SKIPPED,
            note=f"not sent: the election was {election.state} at the reminder's time",
            finished_at=timezone.now(),
        )
        log.warning(
            "reminder skipped id=%s election=%s is %s", reminder.pk, election.pk, election.state
        )
        return 0
    sent = 0
    after = 0
    connection = get_connection()
    while True:
        batch = list(
            pending_recipients(reminder)
            .filter(pk__gt=after)
            .select_related("user")
            .order_by("pk")[:size]
        )
        if not batch:
            break
        after = batch[-1].pk
        now = timezone.now()
        claimed = [
            entry
            for entry in batch
            if pending_recipients(reminder)
            .filter(pk=entry.pk)
            .update(reminder=reminder, reminded_at=now)
        ]
        if claimed:
            try:
                connection.send_messages([reminder_email(election, entry) for entry in claimed])
            except Exception:
                # The mail server refused the batch: these voters have not had the reminder.
                # Give each back what it held before, so that the run taken up again after
                # JOB_STALL_SECONDS e-mails them (a voter the server took before refusing
                # may then receive it twice, never not at all).
                for entry in claimed:
                    RollEntry.objects.filter(pk=entry.pk, reminder=reminder).update(
                        reminder_id=entry.reminder_id, reminded_at=entry.reminded_at
                    )
                log.exception(
                    "reminder id=%s election=%s: the mail server refused %s e-mails; "
                    "they are sent when the run is taken up again",
                    reminder.pk,
                    election.pk,
                    len(claimed),
                    extra={"election": election.pk},
                )
                raise
        Reminder.objects.filter(pk=reminder.pk).update(
            sent=F("sent") + len(claimed), updated_at=timezone.now()
        )
        sent += len(claimed)
    Reminder.objects.filter(
        pk=reminder.pk, state__in=[Reminder.State.SCHEDULED, Reminder.State.SENDING]
    ).update(state=Reminder.State.SENT, finished_at=timezone.now())
    log.info(
        "reminder sent id=%s election=%s emails=%s",
        reminder.pk,
        election.pk,
        sent,
        extra={"election": election.pk},
    )
    return sent
