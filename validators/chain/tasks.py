"""Celery tasks of a validator node: thin wrappers around the engine's verbs."""

from __future__ import annotations

import json
from typing import Any

from celery import shared_task

from validators.chain import engine, membership, store


@shared_task(ignore_result=True)
def consensus_tick() -> None:
    engine.tick()


@shared_task(ignore_result=True)
def deliver_message(data: dict[str, Any]) -> None:
    engine.deliver(data)


@shared_task(ignore_result=True)
def deliver_stored_message(message_id: int) -> None:
    """A large message the web process stored as received (see InboundMessage)."""
    body = store.take_inbound_message(message_id)
    if body is not None:
        engine.deliver(json.loads(body))


@shared_task(ignore_result=True)
def refresh_peers() -> None:
    membership.refresh_peers()
