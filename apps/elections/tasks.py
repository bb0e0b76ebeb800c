"""The worker's long jobs (apps.elections.jobs) and reminder e-mails, on the `backend-jobs`
queue so that a tally of many ballots never holds up vote delivery and receipts; and the
schedule (apps.elections.schedule), which the beat runs."""

from __future__ import annotations

from celery import shared_task

from apps.elections.jobs import fail_stalled_jobs, run_job
from apps.elections.reminders import send_reminder
from apps.elections.schedule import run_schedule


@shared_task(name="apps.elections.tasks.run_job_task")
def run_job_task(job_id: int) -> None:
    run_job(job_id)


@shared_task(name="apps.elections.tasks.fail_stalled_jobs_task")
def fail_stalled_jobs_task() -> int:
    return fail_stalled_jobs()


@shared_task(name="apps.elections.tasks.run_schedule_task")
def run_schedule_task() -> None:
    run_schedule()


@shared_task(name="apps.elections.tasks.send_reminder_task")
def send_reminder_task(reminder_id: int) -> int:
    return send_reminder(reminder_id)
