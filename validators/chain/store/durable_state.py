"""The consensus core's durable state: written before any signature leaves the node, read
back when the worker starts; with it the locked block (its own row) and the engine's live
position for /health."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from validators.chain.models import ConsensusState, LockedBlock, MempoolTransaction
from validators.chain.store.transaction_rows import hashes_in, held_transactions
from validators.core.blocks import Block, Transaction


@transaction.atomic
def save(durable: dict[str, Any], lock_block: Block | None, height: int, round_: int) -> None:
    """Write the durable consensus state, and the locked block when the core hands one over."""
    if lock_block is not None:
        _write_row(LockedBlock, block=_stored_lock_block(lock_block))
    _write_row(
        ConsensusState, durable=durable, height=height, round=round_, updated_at=timezone.now()
    )


def save_live_position(height: int, round_: int) -> None:
    """Where the engine is, for /health; also its heartbeat."""
    _write_row(ConsensusState, height=height, round=round_, updated_at=timezone.now())


def _write_row(model: type[models.Model], **fields: Any) -> None:
    """Write a one-row table (pk 1) without reading the row first (only the worker writes)."""
    if not model._default_manager.filter(pk=1).update(**fields):
        model._default_manager.create(pk=1, **fields)


def _stored_lock_block(block: Block) -> dict[str, Any]:
    """The locked block, naming by hash the transactions the mempool keeps until a block at
    this height is stored (which makes the lock moot); the others are kept in full."""
    hashes = [tx.tx_hash for tx in block.transactions]
    pooled = hashes_in(MempoolTransaction, hashes)
    return {
        **block.to_compact_dict(),
        "not_in_mempool": [tx.to_dict() for tx in block.transactions if tx.tx_hash not in pooled],
    }


class LockBlockMissing(RuntimeError):
    """The stored lock names a transaction this node no longer holds."""


def load() -> dict[str, Any] | None:
    """The durable state last saved, its locked block whole (`lock_block`); None before the
    first save."""
    row = ConsensusState.objects.filter(pk=1).first()
    if row is None:
        return None
    durable = dict(row.durable)
    if durable.get("lock"):
        stored = LockedBlock.objects.filter(pk=1).values_list("block", flat=True).first()
        durable["lock_block"] = _whole_lock_block(stored)
    return durable


def _whole_lock_block(stored: Any) -> Any:
    """The stored locked block in the whole form the core reads."""
    hashes = Block.compact_hashes(stored) if isinstance(stored, dict) else None
    if hashes is None:
        return stored  # the whole block, or none
    found = held_transactions(hashes)
    for item in stored["not_in_mempool"]:
        tx = Transaction.from_dict(item)
        found.setdefault(tx.tx_hash, tx)
    missing = [h for h in hashes if h not in found]
    if missing:
        raise LockBlockMissing(
            f"the locked block names {len(missing)} transactions this node does not hold,"
            f" the first {missing[0]}"
        )
    return {
        "header": stored["header"],
        "transactions": [found[h].to_dict() for h in hashes],
        "parent_certificate": stored["parent_certificate"],
    }
