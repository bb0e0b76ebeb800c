"""POST /api/elections/{id}/close and /tally answer 202 with a status URL; GET /api/jobs/{id}
tells the job's state, step and progress, to officials who may look only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from pytest_django.fixtures import SettingsWrapper

from apps.accounts.models import User
from apps.api.tests.conftest import api_as, assert_error, candidates
from apps.elections import jobs
from apps.elections.jobs import JobProgress, fail_stalled_jobs
from apps.elections.models import Election, Job
from apps.elections.services import close_election
from apps.elections.tests.chain import confirm_on_chain
from apps.elections.tests.jobs import run_queued_jobs
from apps.votes.services import cast_choice
from tests.standin_validators import StandInNetwork

pytestmark = pytest.mark.django_db


def started(response: Any) -> str:
    """The status URL of a 202, which the Location header names too."""
    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) == {"job_id", "status_url"}
    assert response["Location"] == body["status_url"]
    assert body["status_url"].endswith(f"/api/jobs/{body['job_id']}")
    return str(body["status_url"])


def test_closing_answers_202_and_the_status_url_follows_the_job(
    election: Election, official: User
) -> None:
    client = api_as(official)
    url = started(client.post(f"/api/elections/{election.pk}/close"))
    queued = client.get(url).json()
    assert (queued["state"], queued["kind"], queued["election"]) == ("queued", "close", election.pk)
    election.refresh_from_db()
    assert election.state == "open"
    run_queued_jobs()
    done = client.get(url).json()
    assert (done["state"], done["step"], done["done"], done["total"]) == ("done", "closing", 1, 1)
    assert done["result"] == {"election_state": "closed"} and done["error"] is None
    election.refresh_from_db()
    assert election.state == "closed"


def test_a_tally_job_goes_through_its_steps_to_waiting_for_trustees(
    election: Election, official: User, alice: User, bob: User, validators: StandInNetwork
) -> None:
    ada = candidates(election)[0]
    cast_choice(election, alice, [ada.pk])
    cast_choice(election, bob, [ada.pk])
    confirm_on_chain(validators, election)
    close_election(election)
    steps: list[tuple[str, int, int]] = []
    original = JobProgress.flush

    def recording(progress: JobProgress) -> None:
        original(progress)
        steps.append((progress.name, progress.done, progress.total))

    client = api_as(official)
    url = started(client.post(f"/api/elections/{election.pk}/tally"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(JobProgress, "flush", recording)
        run_queued_jobs()
    names = list(dict.fromkeys(name for name, _, _ in steps))  # in the order first written
    assert names == [
        "reading the chain from the validators",
        "checking blocks",
        "aggregating",
        "waiting for trustees",
    ]
    assert ("reading the chain from the validators", 3, 3) in steps  # a block on each of 3
    assert ("checking blocks", 2, 2) in steps and ("aggregating", 2, 2) in steps
    job = client.get(url).json()
    assert (job["state"], job["step"], job["done"], job["total"]) == (
        "done",
        "waiting for trustees",
        0,
        2,
    )
    assert job["result"]["ballots"] == 2
    election.refresh_from_db()
    assert election.state == "tallying"


def test_a_second_tally_while_one_is_unfinished_is_a_409(
    election: Election, official: User, validators: StandInNetwork
) -> None:
    close_election(election)
    client = api_as(official)
    started(client.post(f"/api/elections/{election.pk}/tally"))
    second = client.post(f"/api/elections/{election.pk}/tally")
    assert_error(second, 409, "job_running")
    assert Job.objects.filter(kind="tally").count() == 1


def test_tallying_an_open_election_is_refused_at_once_and_queues_nothing(
    election: Election, official: User
) -> None:
    assert_error(api_as(official).post(f"/api/elections/{election.pk}/tally"), 409, "wrong_state")
    assert not Job.objects.exists()


def test_closing_a_closed_election_is_a_409_and_queues_nothing(
    election: Election, official: User
) -> None:
    close_election(election)
    assert_error(api_as(official).post(f"/api/elections/{election.pk}/close"), 409, "wrong_state")
    assert not Job.objects.exists()


def test_only_officials_who_may_look_read_a_job(
    election: Election, official: User, observer: User, alice: User
) -> None:
    url = started(api_as(official).post(f"/api/elections/{election.pk}/close"))
    assert api_as(observer).get(url).status_code == 200
    assert_error(api_as(alice).get(url), 403, "not_staff")
    assert_error(api_as(None).get(url), 401, "not_authenticated")


def test_an_unknown_job_is_a_404(official: User) -> None:
    assert_error(api_as(official).get("/api/jobs/4242"), 404, "not_found")


def test_progress_is_written_at_a_bounded_rate(election: Election) -> None:
    """Ten thousand ballots advanced one by one, with a clock that never moves: the row is
    written at the step's start and at its end, not once per ballot."""
    job = Job.objects.create(kind="tally", election=election)
    progress = JobProgress(job.pk, interval=0.5, clock=lambda: 100.0)
    progress.step("checking blocks", 10_000)
    for _ in range(10_000):
        progress.advance()
    assert progress.writes == 2
    job.refresh_from_db()
    assert (job.step, job.done, job.total) == ("checking blocks", 10_000, 10_000)


def test_a_running_job_whose_progress_stopped_is_failed_and_the_work_can_start_again(
    election: Election, official: User, settings: SettingsWrapper
) -> None:
    """The worker died mid-job: nothing writes the row any more. Once it has been silent for
    JOB_STALL_SECONDS the sweep fails it, and closing can be asked for again."""
    settings.JOB_STALL_SECONDS = 300
    client = api_as(official)
    url = started(client.post(f"/api/elections/{election.pk}/close"))
    job = Job.objects.get()
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(state="running", updated_at=now - timedelta(seconds=299))
    assert fail_stalled_jobs() == 0
    assert_error(client.post(f"/api/elections/{election.pk}/close"), 409, "job_running")
    Job.objects.filter(pk=job.pk).update(updated_at=now - timedelta(seconds=301))
    assert fail_stalled_jobs() == 1
    failed = client.get(url).json()
    assert (failed["state"], failed["error_code"]) == ("failed", "worker_lost")
    assert "stopped writing this job's progress" in failed["error"]
    assert fail_stalled_jobs() == 0  # a failed job is left alone
    started(client.post(f"/api/elections/{election.pk}/close"))
    run_queued_jobs()
    election.refresh_from_db()
    assert election.state == "closed"


def test_a_job_that_ends_after_being_failed_as_stalled_stays_failed(election: Election) -> None:
    job = Job.objects.create(kind="close", election=election, state="running")
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert fail_stalled_jobs() == 1
    jobs._finish(job, Job.State.DONE, result={"election_state": "closed"})
    job.refresh_from_db()
    assert (job.state, job.error_code, job.result) == ("failed", "worker_lost", None)
