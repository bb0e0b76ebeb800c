"""The schedule: drafts open at their opens_at once their key ceremony is complete, open
elections close at their closes_at, through the verbs the buttons use; a second run changes
nothing; a draft that cannot open stays a draft and says why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.conftest import TRUSTEES
from apps.elections.errors import InvalidInput, WrongState
from apps.elections.models import Election, Job
from apps.elections.schedule import open_on_schedule, run_schedule
from apps.elections.services import create_election, start_closing
from apps.elections.tests.jobs import run_queued_jobs
from apps.trustees.tests.ceremony import complete_ceremony

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def scheduled(election: Election, opens_in: timedelta | None, closes_in: timedelta | None) -> None:
    now = timezone.now()
    Election.objects.filter(pk=election.pk).update(
        opens_at=now + opens_in if opens_in is not None else None,
        closes_at=now + closes_in if closes_in is not None else None,
    )


def fresh(election: Election) -> Election:
    return Election.objects.get(pk=election.pk)


def test_a_draft_waits_for_its_ceremony_says_why_and_opens_once_it_is_complete(
    draft_election: Election,
) -> None:
    scheduled(draft_election, -timedelta(seconds=1), HOUR)
    assert run_schedule().opened == []
    waiting = fresh(draft_election)
    assert waiting.state == Election.State.DRAFT
    assert waiting.schedule_problem.startswith("not opened at its opening time: ")
    assert "no trustees are named" in waiting.schedule_problem
    complete_ceremony(draft_election, TRUSTEES)
    assert run_schedule().opened == [draft_election.pk]
    opened = fresh(draft_election)
    assert opened.state == Election.State.OPEN and opened.public_key is not None
    assert opened.schedule_problem == ""
    again = run_schedule()
    assert again.opened == [] and fresh(draft_election).opened_at == opened.opened_at


def test_a_draft_before_its_opening_time_or_without_one_stays_a_draft(
    draft_election: Election, trustee_keys: object
) -> None:
    later = create_election("Later", ["X", "Y"], opens_at=timezone.now() + HOUR)
    assert run_schedule().opened == []
    assert fresh(draft_election).state == fresh(later).state == Election.State.DRAFT
    assert fresh(later).schedule_problem == ""


def test_a_draft_whose_closing_time_has_passed_is_not_opened_and_says_why(
    draft_election: Election, trustee_keys: object
) -> None:
    scheduled(draft_election, -2 * HOUR, -HOUR)
    assert run_schedule().opened == []
    missed = fresh(draft_election)
    assert missed.state == Election.State.DRAFT
    assert "its closing time passed before it could open" in missed.schedule_problem


def test_a_run_that_loses_the_race_to_open_changes_nothing(
    draft_election: Election, trustee_keys: object
) -> None:
    scheduled(draft_election, -timedelta(seconds=1), None)
    stale = fresh(draft_election)  # read by a second worker before the first one opened it
    assert open_on_schedule(fresh(draft_election))
    opened = fresh(draft_election)
    assert not open_on_schedule(stale)
    after = fresh(draft_election)
    assert after.state == Election.State.OPEN and after.opened_at == opened.opened_at
    assert after.schedule_problem == ""


def test_an_open_election_closes_at_its_closing_time_through_one_close_job(
    election: Election,
) -> None:
    scheduled(election, None, HOUR)
    assert run_schedule().closing == []
    scheduled(election, None, -timedelta(seconds=1))
    assert run_schedule().closing == [election.pk]
    assert run_schedule().closing == []  # its close job is queued: not a second one
    (job,) = Job.objects.filter(election=election, kind=Job.Kind.CLOSE)
    assert job.created_by is None
    with pytest.raises(WrongState, match="already queued or running"):
        start_closing(fresh(election))
    assert [j.state for j in run_queued_jobs()] == [Job.State.DONE]
    assert fresh(election).state == Election.State.CLOSED
    assert run_schedule().closing == []
    assert Job.objects.filter(election=election, kind=Job.Kind.CLOSE).count() == 1


def test_an_election_must_close_after_it_opens() -> None:
    opens = timezone.now() + HOUR
    with pytest.raises(InvalidInput, match="the election must close after it opens"):
        create_election("Backwards", ["X"], opens_at=opens, closes_at=opens - HOUR)
    with pytest.raises(InvalidInput, match="closes_at .* is not later than opens_at"):
        create_election("Instant", ["X"], opens_at=opens, closes_at=opens)
    assert not Election.objects.exists()
