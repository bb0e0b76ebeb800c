"""Checking the fallback chain: every hash, link and signature (apps.fallback.hashchain),
the signed head, and agreement with the vote outbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from apps.fallback import hashchain
from apps.fallback.blocks import iso
from apps.fallback.models import FallbackBlock, FallbackHead
from apps.network.signing import submitter_key
from apps.votes.models import Vote
from validators.core.keys import KeyFileError

log = logging.getLogger("apps.fallback")


@dataclass(frozen=True)
class FallbackIntegrity:
    valid: bool
    length: int
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "length": self.length, "problems": list(self.problems)}


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
