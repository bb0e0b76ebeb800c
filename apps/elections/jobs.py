"""Long work in the background: closing, tallying and voter imports run on the worker.

`start_job` records a Job (queued) and hands its id to the worker once the request's
transaction commits; a second request for the same work while one is unfinished is refused
(409) by a unique constraint. `run_job` (the worker's task, apps.elections.tasks) calls the
verb with a `JobProgress`, which writes the current step and its counters to the Job row at
most every PROGRESS_INTERVAL_SECONDS (and at each new step), never once per ballot or row.
The end state is `done` with the verb's result, or `failed` with the refusal's detail and code.
A running job whose progress stops being written (its worker died) is marked failed by
`fail_stalled_jobs`, which the worker's beat runs every minute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.elections.errors import DomainError, NotFound, WrongState
from apps.elections.models import Election, Job
from apps.elections.progress import WAITING

log = logging.getLogger("apps.elections")

PROGRESS_INTERVAL_SECONDS = 0.5


class JobRunning(WrongState):
    """The same work is already queued or running for this election."""

    code = "job_running"


class JobProgress:
    """A Progress that writes to one Job row, at a bounded rate."""

    def __init__(
        self,
        job_id: int,
        interval: float = PROGRESS_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.job_id = job_id
        self.interval = interval
        self.clock = clock
        self.name = ""
        self.done = 0
        self.total = 0
        self.written_at = float("-inf")
        self.writes = 0

    def step(self, name: str, total: int = 0) -> None:
        self.name, self.done, self.total = name, 0, total
        self.flush()

    def advance(self, units: int = 1) -> None:
        self.report(self.done + units, self.total)

    def report(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self.clock() - self.written_at >= self.interval or self.done >= self.total:
            self.flush()

    def flush(self) -> None:
        Job.objects.filter(pk=self.job_id).update(
            step=self.name, done=self.done, total=self.total, updated_at=timezone.now()
        )
        self.written_at = self.clock()
        self.writes += 1


def start_job(kind: str, election: Election, user: Any = None, arguments: Any = None) -> Job:
    """Record a queued job and run it on the worker once this transaction commits."""
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind, election=election, created_by=user, arguments=arguments
            )
    except IntegrityError as exc:
        raise JobRunning(
            f"a {Job.Kind(kind).label.lower()} job is already queued or running for this "
            "election; follow its progress instead"
        ) from exc
    transaction.on_commit(lambda: _enqueue(job.pk))
    log.info("job queued id=%s kind=%s election=%s", job.pk, kind, election.pk)
    return job


def _enqueue(job_id: int) -> None:
    """Hand the job to the worker (the `backend-jobs` queue)."""
    from apps.elections.tasks import run_job_task

    run_job_task.delay(job_id)


def unfinished_job(election: Election, kind: str) -> Job | None:
    return Job.objects.filter(
        election=election, kind=kind, state__in=[Job.State.QUEUED, Job.State.RUNNING]
    ).first()


def run_job(job_id: int) -> Job:
    """The worker's side: run the job's verb with progress; record done or failed."""
    updated = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
    )
    job = Job.objects.select_related("election").get(pk=job_id)
    if not updated:
        log.warning("job id=%s is %s, not queued: not run again", job_id, job.state)
        return job
    progress = JobProgress(job.pk)
    try:
        result = _VERBS[job.kind](job, progress)
    except DomainError as exc:
        _finish(job, Job.State.FAILED, error=exc.detail, error_code=exc.code)
        log.warning("job failed id=%s kind=%s: %s", job.pk, job.kind, exc.detail)
    except Exception as exc:
        _finish(job, Job.State.FAILED, error=f"internal error: {exc}", error_code="internal")
        log.exception("job crashed id=%s kind=%s", job.pk, job.kind)
    else:
        _finish(job, Job.State.DONE, result=result)
        log.info("job done id=%s kind=%s", job.pk, job.kind)
    job.refresh_from_db()
    return job


def _finish(job: Job, state: str, **fields: Any) -> None:
    """Record the end of a running job; one already marked failed as stalled stays so."""
    ended = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(
        state=state, finished_at=timezone.now(), **fields
    )
    if not ended:
        log.warning("job id=%s ended (%s) after it was marked failed as stalled", job.pk, state)


STALLED = (
    "the worker stopped writing this job's progress (it was stopped or died); the work may "
    "be started again"
)


def fail_stalled_jobs() -> int:
    """Mark failed every running job whose progress has not been written for
    JOB_STALL_SECONDS: its worker is gone, and until it is failed no job of its kind can be
    started for that election. The number of jobs marked."""
    cutoff = timezone.now() - timedelta(seconds=settings.JOB_STALL_SECONDS)
    stalled = list(
        Job.objects.filter(state=Job.State.RUNNING, updated_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    count = 0
    for job_id in stalled:
        marked = Job.objects.filter(
            pk=job_id, state=Job.State.RUNNING, updated_at__lt=cutoff
        ).update(
            state=Job.State.FAILED,
            finished_at=timezone.now(),
            error=STALLED,
            error_code="worker_lost",
        )
        count += marked
        if marked:
            log.warning(
                "job id=%s marked failed: no progress for %ss", job_id, settings.JOB_STALL_SECONDS
            )
    return count


def _close(job: Job, progress: JobProgress) -> dict[str, Any]:
    from apps.elections.services import close_election

    election = close_election(job.election, progress)
    return {"election_state": election.state}


def _tally(job: Job, progress: JobProgress) -> dict[str, Any]:
    from apps.elections.tally import tally_election

    election = tally_election(job.election, progress)
    result: dict[str, Any] = {"election_state": election.state}
    if election.state == Election.State.TALLYING:
        result["ballots"] = (election.tally_report or {}).get("ballots")
        result["next"] = WAITING
    else:
        result["counts"] = (election.results or {}).get("counts")
    return result


def _voter_import(job: Job, progress: JobProgress) -> dict[str, Any]:
    from apps.elections.services import VoterRow, add_voters

    rows = [VoterRow(r["email"], r.get("name", ""), r.get("weight")) for r in job.arguments or []]
    report = add_voters(job.election, rows, progress)
    return {
        "added": report.added,
        "already_on_roll": report.already_on_roll,
        "users_created": report.users_created,
    }


_VERBS: dict[str, Callable[[Job, JobProgress], dict[str, Any]]] = {
    Job.Kind.CLOSE: _close,
    Job.Kind.TALLY: _tally,
    Job.Kind.VOTER_IMPORT: _voter_import,
}


def job_document(job: Job) -> dict[str, Any]:
    """What the status URL and the admin's progress view answer."""
    return {
        "id": job.pk,
        "kind": job.kind,
        "election": job.election_id,
        "state": job.state,
        "step": job.step,
        "done": job.done,
        "total": job.total,
        "error": job.error or None,
        "error_code": job.error_code or None,
        "result": job.result,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def job_of(job_id: int) -> Job:
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job
