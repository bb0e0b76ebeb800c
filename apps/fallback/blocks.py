"""Parking votes on the fallback chain: what a block's entry holds, and appending the votes
no validator took as one new hash-linked, signed block.

Checking the chain is apps.fallback.integrity; replaying its votes onto the validator network
is apps.fallback.replay.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.fallback import hashchain
from apps.fallback.models import FallbackBlock, FallbackHead
from apps.network.signing import submitter_key
from apps.votes.models import Vote

log = logging.getLogger("apps.fallback")


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
