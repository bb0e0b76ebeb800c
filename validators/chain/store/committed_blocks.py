"""The chain as this node stores it: the head, storing a final block with its certificate,
and reading committed blocks back in the core's form."""

from __future__ import annotations

from django.db import transaction

from validators.chain.models import ChainTransaction, StoredBlock
from validators.chain.network_config import genesis
from validators.chain.store.mempool import drop_committed
from validators.chain.store.transaction_rows import (
    TRANSACTION_FIELDS,
    columns,
    insert_rows,
    stored_transaction,
)
from validators.core.blocks import Block, BlockHeader, genesis_hash
from validators.core.messages import CommittedBlock, ConsensusVote
from validators.core.rules import Head


def head() -> Head:
    """The last stored block (height 0 and the genesis hash before the first)."""
    last = StoredBlock.objects.order_by("-height").first()
    if last is None:
        return Head(0, genesis_hash(genesis().to_dict()), 0)
    return Head(last.height, last.block_hash, last.timestamp_ms)


def head_certificate() -> tuple[ConsensusVote, ...]:
    """The commit certificate stored with the head (none before the first block)."""
    last = StoredBlock.objects.order_by("-height").first()
    if last is None:
        return ()
    return tuple(ConsensusVote.from_dict(v) for v in last.certificate)


@transaction.atomic
def store(committed: CommittedBlock) -> bool:
    """Store a final block with its certificate; False if this height is already stored.

    The height is the primary key, so two overlapping attempts cannot both store a block.
    """
    block = committed.block
    header = block.header
    if StoredBlock.objects.filter(height=header.height).exists():
        return False
    row = StoredBlock.objects.create(
        height=header.height,
        block_hash=block.block_hash,
        parent_hash=header.parent_hash,
        round=header.round,
        proposer=header.proposer,
        timestamp_ms=header.timestamp_ms,
        tx_count=header.tx_count,
        header=header.to_dict(),
        certificate=[v.to_dict() for v in committed.certificate],
        parent_certificate=list(block.parent_certificate),
    )
    insert_rows(
        ChainTransaction,
        [
            {
                "block_id": row.height,
                "position": i,
                "tx_hash": tx.tx_hash,
                **columns(tx),
            }
            for i, tx in enumerate(block.transactions)
        ],
    )
    drop_committed(block.transactions)
    return True


def update_certificate(height: int, certificate: tuple[ConsensusVote, ...]) -> None:
    """Replace a stored block's certificate with the canonical one (the core says which)."""
    StoredBlock.objects.filter(height=height).update(certificate=[v.to_dict() for v in certificate])


def from_row(row: StoredBlock) -> CommittedBlock:
    """A stored block (its transactions prefetched) in the core's form."""
    txs = tuple(
        stored_transaction((getattr(t, name) for name in TRANSACTION_FIELDS), t.tx_hash)
        for t in row.transactions.all()
    )
    block = Block(BlockHeader.from_dict(row.header), txs, tuple(row.parent_certificate))
    return CommittedBlock(block, tuple(ConsensusVote.from_dict(v) for v in row.certificate))


def read_from(height: int, limit: int) -> list[CommittedBlock]:
    """Up to `limit` committed blocks, from `height` on."""
    rows = StoredBlock.objects.filter(height__gte=height).prefetch_related("transactions")[:limit]
    return [from_row(row) for row in rows]
