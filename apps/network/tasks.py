"""Celery tasks of the network client: thin wrappers, scheduled by beat (evoting/settings.py).

Every task body is safe to run concurrently with itself: the verbs claim their work with
conditional updates (see apps.network.delivery.claim_votes).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_ready

from apps.fallback import replay
from apps.network import delivery, health

log = logging.getLogger("apps.network")


@shared_task(ignore_result=True)
def deliver_pending_votes() -> None:
    delivery.deliver_until_done()


@shared_task(ignore_result=True)
def poll_receipts() -> None:
    delivery.poll_receipts_until_done()
    delivery.resend_stale_votes()


@shared_task(ignore_result=True)
def refresh_validator_health() -> None:
    health.refresh_validator_health()


@shared_task(ignore_result=True)
def replay_fallback_votes() -> None:
    replay.replay_fallback_votes()


@worker_ready.connect
def check_health_at_start(**kwargs: Any) -> None:
    """Know the validators' state before the first delivery rather than one interval later."""
    try:
        rows = health.refresh_validator_health()
    except Exception:  # a worker must start even if the check cannot run (no genesis yet)
        log.exception("validator health check at start-up failed")
        return
    log.info(
        "validator health at start-up healthy=%s of=%s",
        sum(1 for r in rows if r.status == "healthy"),
        len(rows),
    )
