"""Celery tasks of a validator node: thin wrappers around the engine's verbs."""

from __future__ import annotations

import json
from typing import Any

from celery import shared_task

from validators.chain import engine, membership, store
from validators.core.messages import PROPOSAL, Proposal, message_from_dict


@shared_task(ignore_result=True)
def consensus_tick() -> None:
    engine.tick()


@shared_task(ignore_result=True)
def deliver_message(data: dict[str, Any]) -> None:
    engine.handle_message(message_from_dict(data))


@shared_task(ignore_result=True)
def deliver_stored_message(message_id: int) -> None:
    """A large message the web process stored as received (see InboundMessage)."""
    body = store.take_inbound_message(message_id)
    if body is None:
        return
    data = json.loads(body)
    # A proposer re-sends its proposal each interval until it sees a PREPARE; under load
    # copies arrive while the first is still being checked. Decoding thousands of
    # transactions only to drop them is skipped.
    if data.get("type") == PROPOSAL and engine.node().holds_proposal(
        Proposal.envelope_from_dict(data)
    ):
        return
    engine.handle_message(message_from_dict(data))


@shared_task(ignore_result=True)
def refresh_peers() -> None:
    membership.refresh_peers()
