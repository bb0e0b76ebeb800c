"""The beat schedule names the network client's tasks, and the task bodies call the verbs."""

from __future__ import annotations

import pytest
from django.conf import settings

from apps.network import tasks


def test_the_beat_schedule_runs_every_chain_task() -> None:
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled >= {
        tasks.deliver_pending_votes.name,
        tasks.poll_receipts.name,
        tasks.refresh_validator_health.name,
        tasks.replay_fallback_votes.name,
    }
    assert settings.CELERY_BEAT_SCHEDULE["refresh-validator-health"]["schedule"] == (
        settings.HEALTH_INTERVAL_SECONDS
    )


def test_poll_receipts_also_resends_stale_votes(monkeypatch: pytest.MonkeyPatch) -> None:
    called = []
    monkeypatch.setattr(tasks.delivery, "poll_receipts_until_done", lambda: called.append("poll"))
    monkeypatch.setattr(tasks.delivery, "resend_stale_votes", lambda: called.append("resend"))
    tasks.poll_receipts.run()
    assert called == ["poll", "resend"]


def test_a_worker_starts_even_if_the_health_check_cannot_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken() -> None:
        raise RuntimeError("no genesis yet")

    monkeypatch.setattr(tasks.health, "refresh_validator_health", broken)
    tasks.check_health_at_start()  # logs, does not raise


def test_delivery_has_a_queue_of_its_own_that_the_worker_consumes() -> None:
    route = settings.CELERY_TASK_ROUTES[tasks.deliver_pending_votes.name]
    assert route["queue"] != settings.CELERY_TASK_DEFAULT_QUEUE
    assert route["queue"] in {queue.name for queue in settings.CELERY_TASK_QUEUES}
