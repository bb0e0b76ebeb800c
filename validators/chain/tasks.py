"""Celery tasks of a validator node: thin wrappers around the engine's verbs."""

from __future__ import annotations

import json
from typing import Any

from celery import shared_task

from validators.chain import engine, membership
from validators.chain.store import inbound_messages


@shared_task(ignore_result=True)
def consensus_tick() -> None:
    engine.tick()


@shared_task(ignore_result=True)
def receive_message(data: dict[str, Any]) -> None:
    engine.receive(data)


@shared_task(ignore_result=True)
def receive_stored_message(message_id: int) -> None:
    """A large message the web process stored as received (see InboundMessage)."""
    body = inbound_messages.take(message_id)
    if body is not None:
        engine.receive(json.loads(body))


@shared_task(ignore_result=True)
def refresh_peers() -> None:
    """Start a refresh from the bootnode in the background: the worker's one thread runs the
    consensus engine, and a bootnode that drops packets would hold it for the calls' timeouts."""
    membership.refresh_in_background()
