"""Replaying fallback votes onto the validator network once a validator is healthy again.

Idempotent by transaction id: validators answer a vote they already hold with a duplicate
error, which counts as delivered. Replayed votes are `submitted`; receipts confirm them
(apps.network.delivery.poll_receipts); a block is marked replayed when all its votes are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from apps.fallback.blocks import entry_ids, unreplayed_entries
from apps.fallback.models import FallbackBlock
from apps.network.delivery import DeliveryReport, claim_votes, send_votes, vote_transaction
from apps.network.health import healthy_count
from apps.network.signing import signed_transaction
from apps.votes.models import Vote
from validators.core.blocks import Transaction

log = logging.getLogger("apps.fallback")


@dataclass(frozen=True)
class ReplayReport:
    blocks_marked_replayed: int
    delivery: DeliveryReport
    skipped: str = ""  # why nothing was sent, if so


def entry_transaction(entry: dict[str, Any]) -> Transaction | None:
    """The signed transaction for a fallback entry, exactly as it would have been sent."""
    try:
        return signed_transaction(
            entry["transaction_id"],
            entry["election_id"],
            entry["voter_pseudonym"],
            entry["ballot"],
            datetime.fromisoformat(entry["cast_at"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def mark_replayed_blocks() -> int:
    """Mark replayed the blocks whose every vote is confirmed; returns how many."""
    marked = 0
    for block in FallbackBlock.objects.filter(replayed_at__isnull=True):
        ids = set(entry_ids(block.entries))
        confirmed = Vote.objects.filter(transaction_id__in=ids, status=Vote.Status.CONFIRMED)
        if ids and confirmed.count() == len(ids):
            marked += FallbackBlock.objects.filter(pk=block.pk, replayed_at__isnull=True).update(
                replayed_at=timezone.now()
            )
            log.info("fallback block replayed index=%s votes=%s", block.index, len(ids))
    return marked


def replay_fallback_votes(limit: int = 500) -> ReplayReport:
    """Send up to `limit` fallback votes, built from their signed fallback entries, as one
    batch; back to `fallback` if no validator answers after all."""
    marked = mark_replayed_blocks()
    if not Vote.objects.filter(status=Vote.Status.FALLBACK).exists():
        return ReplayReport(marked, DeliveryReport(), "no fallback votes")
    if not healthy_count():
        return ReplayReport(marked, DeliveryReport(), "no healthy validator")
    votes = claim_votes(Vote.objects.filter(status=Vote.Status.FALLBACK), limit)
    entries = unreplayed_entries()
    transactions = []
    for vote in votes:
        tx = (
            entry_transaction(entries[vote.transaction_id])
            if vote.transaction_id in entries
            else None
        )
        if tx is None:
            log.warning("fallback entry unusable, replaying the outbox row vote=%s", vote.pk)
            tx = vote_transaction(vote)
        transactions.append(tx)
    report = send_votes(votes, transactions, Vote.Status.FALLBACK)
    log.info(
        "fallback votes replayed sent=%s admitted=%s duplicates=%s back_in_fallback=%s",
        report.claimed,
        report.admitted,
        report.duplicates,
        report.fallback + report.rejected,
    )
    return ReplayReport(marked, report)
