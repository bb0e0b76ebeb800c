"""The schedule: `opens_at` and `closes_at` change an election's state, and reminders go out
at their time, without an official at the buttons.

The worker's beat runs `run_schedule` every SCHEDULE_INTERVAL_SECONDS. It calls the verbs the
admin's buttons call (open_election, start_closing), so their checks and logs apply, and it is
idempotent: a second run, or two at once, changes nothing more (the verbs' conditional updates
and the close job's unique constraint refuse the second). A draft that cannot open at its time
(its key ceremony is not complete) stays a draft, and why is kept on it (schedule_problem) for
the admin to show, until it opens or its closing time passes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from apps.elections.errors import DomainError
from apps.elections.models import Election, Job
from apps.elections.reminders import dispatch_due_reminders
from apps.elections.services import open_election, start_closing

log = logging.getLogger("apps.elections")


@dataclass
class ScheduleRun:
    """What one run did: elections opened, closings started, reminders handed to the worker."""

    opened: list[int] = field(default_factory=list)
    closing: list[int] = field(default_factory=list)
    reminders: list[int] = field(default_factory=list)


def run_schedule(now: datetime | None = None) -> ScheduleRun:
    now = now or timezone.now()
    run = ScheduleRun()
    due = Election.objects.filter(state=Election.State.DRAFT, opens_at__lte=now)
    for election in due.filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now)):
        if open_on_schedule(election):
            run.opened.append(election.pk)
    for election in due.filter(closes_at__lte=now):
        note_problem(election, "its closing time passed before it could open")
    closing_started = Job.objects.filter(
        election=OuterRef("pk"),
        kind=Job.Kind.CLOSE,
        state__in=[Job.State.QUEUED, Job.State.RUNNING],
    )
    closing = Election.objects.filter(state=Election.State.OPEN, closes_at__lte=now).exclude(
        Exists(closing_started)
    )
    for election in closing:
        try:
            start_closing(election)
        except DomainError as exc:  # closed, or a closing started meanwhile
            log.info("scheduled closing of election=%s not started: %s", election.pk, exc.detail)
        else:
            log.info("election closing on schedule id=%s", election.pk)
            run.closing.append(election.pk)
    run.reminders = dispatch_due_reminders(now)
    return run


def open_on_schedule(election: Election) -> bool:
    """Open a draft whose opening time has come; whether this call opened it."""
    try:
        open_election(election)
    except DomainError as exc:
        note_problem(election, exc.detail)
        return False
    log.info("election opened on schedule id=%s", election.pk, extra={"election": election.pk})
    return True


def note_problem(election: Election, detail: str) -> None:
    """Keep on a draft why its scheduled opening did not happen; logged once, when it changes
    (not at every run of the schedule). A run that lost the race to open it writes nothing."""
    problem = f"not opened at its opening time: {detail}"[:500]
    changed = (
        Election.objects.filter(pk=election.pk, state=Election.State.DRAFT)
        .exclude(schedule_problem=problem)
        .update(schedule_problem=problem)
    )
    if changed:
        log.warning("election id=%s %s", election.pk, problem, extra={"election": election.pk})
