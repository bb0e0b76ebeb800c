"""The worker's side of a job, for tests that run no Celery worker.

The apps tier runs no worker and its transactions never commit, so a queued job is never
handed to one: `run_queued_jobs` does what the worker's task does (apps.elections.jobs.run_job)
for every queued job. `jobs_in_threads` is for live-server tests (transactions commit there):
each job, once its request commits, runs in a thread of this process instead of on the broker.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.elections.jobs import run_job
from apps.elections.models import Job


def run_queued_jobs() -> list[Job]:
    return [
        run_job(pk)
        for pk in Job.objects.filter(state=Job.State.QUEUED).values_list("pk", flat=True)
    ]


def _run_in_thread(job_id: int) -> None:
    def work() -> None:
        try:
            run_job(job_id)
        finally:
            connection.close()

    threading.Thread(target=work, name=f"job-{job_id}", daemon=True).start()


@pytest.fixture
def jobs_in_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("apps.elections.jobs._enqueue", _run_in_thread)
