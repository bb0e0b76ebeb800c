"""Celery tasks of the chain client (filled in by the chain client work)."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def deliver_pending_votes() -> None:
    """Deliver outbox votes to a validator (implemented in apps.chain.delivery)."""
