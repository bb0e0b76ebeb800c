"""The fallback chain's verbs: park votes on it, check it, mark blocks replayed.

Replaying its votes onto the validator network is apps.ledger.replay.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.chain.signing import submitter_key
from apps.ledger import hashchain
from apps.ledger.models import FallbackBlock, FallbackHead
from apps.votes.models import Vote
from validators.core.keys import KeyFileError

log = logging.getLogger("apps.ledger")


@dataclass(frozen=True)
class FallbackIntegrity:
    valid: bool
    length: int
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "length": self.length, "problems": list(self.problems)}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def vote_entry(vote: Vote) -> dict[str, Any]:
    return {
        "transaction_id": vote.transaction_id,
        "election_id": vote.election.chain_election_id,
        "voter_pseudonym": vote.voter_pseudonym,
        "ballot": vote.ballot,
        "tracker": vote.tracker,
        "cast_at": iso(vote.cast_at),
    }


def entry_ids(entries: Any) -> list[str]:
    """The transaction ids of a block's entries (tolerating rows edited out of shape)."""
    if not isinstance(entries, list):
        return []
    return [e["transaction_id"] for e in entries if isinstance(e, dict) and "transaction_id" in e]


def unreplayed_entries() -> dict[str, dict[str, Any]]:
    """Entries of blocks not yet marked replayed, by transaction id."""
    found: dict[str, dict[str, Any]] = {}
    for entries in FallbackBlock.objects.filter(replayed_at__isnull=True).values_list(
        "entries", flat=True
    ):
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and "transaction_id" in entry:
                found[entry["transaction_id"]] = entry
    return found


def append_to_fallback(votes: Iterable[Vote]) -> FallbackBlock | None:
    """Put claimed votes (status `submitted`) on the fallback chain and mark them `fallback`,
    in one database transaction. Votes already on an unreplayed block (a replay that found
    no validator) are only marked again; the others go into one new block. Returns it."""
    ids = [vote.pk for vote in votes]
    with transaction.atomic():
        head = _locked_head()  # serialises appends: one writer decides the next index
        current = list(
            Vote.objects.select_for_update()
            .filter(id__in=ids, status=Vote.Status.SUBMITTED)
            .select_related("election")
            .order_by("id")
        )
        if not current:
            return None
        Vote.objects.filter(id__in=[v.pk for v in current]).update(status=Vote.Status.FALLBACK)
        known = unreplayed_entries()
        fresh = [vote_entry(v) for v in current if v.transaction_id not in known]
        block = _append_block(head, fresh) if fresh else None
    if block is not None:
        log.info(
            "fallback block appended index=%s votes=%s hash=%s",
            block.index,
            len(fresh),
            block.block_hash[:16],
        )
    return block


def _locked_head() -> FallbackHead:
    FallbackHead.objects.get_or_create(
        pk=1, defaults={"length": 0, "last_hash": hashchain.GENESIS_PREVIOUS_HASH}
    )
    return FallbackHead.objects.select_for_update().get(pk=1)


def _append_block(head: FallbackHead, entries: list[dict[str, Any]]) -> FallbackBlock:
    key = submitter_key()
    created_at = timezone.now()
    made = hashchain.new_block(key, head.length + 1, head.last_hash, entries, iso(created_at))
    block = FallbackBlock.objects.create(
        index=made.index,
        previous_hash=made.previous_hash,
        entries=made.entries,
        block_hash=made.block_hash,
        signature=made.signature,
        created_at=created_at,
    )
    signed = hashchain.new_head(key, made.index, made.block_hash)
    head.length, head.last_hash, head.signature = signed.length, signed.last_hash, signed.signature
    head.save()
    return block


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


def _ledger_block(row: FallbackBlock) -> hashchain.LedgerBlock:
    return hashchain.LedgerBlock(
        index=row.index,
        previous_hash=row.previous_hash,
        entries=row.entries,
        created_at=iso(row.created_at),
        block_hash=row.block_hash,
        signature=row.signature,
    )


def check_fallback_chain() -> FallbackIntegrity:
    """Recompute every hash, link and signature, check the signed head, and cross-check the
    vote outbox; any edited, removed or reordered row shows up as a problem."""
    blocks = [_ledger_block(row) for row in FallbackBlock.objects.order_by("index")]
    row = FallbackHead.objects.filter(pk=1).first()
    head = hashchain.LedgerHead(row.length, row.last_hash, row.signature) if row else None
    try:
        public_key = submitter_key().public_key
    except (OSError, KeyFileError) as exc:
        problems = [f"cannot load the backend key to check signatures: {exc}"] if blocks else []
    else:
        problems = hashchain.chain_problems(blocks, head, public_key)
    problems += _outbox_problems(blocks)
    if problems:
        log.warning("fallback chain invalid length=%s problems=%s", len(blocks), len(problems))
    return FallbackIntegrity(not problems, len(blocks), problems)


def _outbox_problems(blocks: list[hashchain.LedgerBlock]) -> list[str]:
    """Each entry matches its outbox vote, appears once, and every `fallback` vote has one."""
    problems: list[str] = []
    placed: dict[str, int] = {}
    entries: dict[str, dict[str, Any]] = {}
    for block in blocks:
        for entry in block.entries if isinstance(block.entries, list) else []:
            tx_id = entry.get("transaction_id") if isinstance(entry, dict) else None
            if tx_id in placed:
                problems.append(f"vote {tx_id} is on blocks {placed[tx_id]} and {block.index}")
            elif tx_id:
                placed[tx_id], entries[tx_id] = block.index, entry
    outbox = Vote.objects.filter(transaction_id__in=list(placed)).values_list(
        "transaction_id", "voter_pseudonym", "ballot"
    )
    found = {tx_id: (pseudonym, ballot) for tx_id, pseudonym, ballot in outbox}
    for tx_id, entry in entries.items():
        if tx_id not in found:
            problems.append(f"block {placed[tx_id]}: vote {tx_id} is not in the outbox")
        elif found[tx_id] != (entry.get("voter_pseudonym"), entry.get("ballot")):
            problems.append(f"block {placed[tx_id]}: vote {tx_id} differs from the outbox")
    parked = Vote.objects.filter(status=Vote.Status.FALLBACK).values_list(
        "transaction_id", flat=True
    )
    problems += [
        f"vote {t} is marked fallback but is on no block" for t in parked if t not in placed
    ]
    return problems
