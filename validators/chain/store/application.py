"""The consensus core's view of the chain over this node's tables: `NodeApplication` (what to
propose, and the stateful check of a block) and `BlockIndex` (the ChainIndex one block's check
reads)."""

from __future__ import annotations

import logging

from validators.chain.models import ChainTransaction, MempoolTransaction
from validators.chain.network_config import genesis
from validators.chain.store.transaction_rows import (
    TRANSACTION_FIELDS,
    hashes_in,
    rows_of_voters,
    stored_transaction,
)
from validators.core.blocks import Block, ChainIndex, Transaction, block_transactions_error

log = logging.getLogger("validators.chain")


class BlockIndex(ChainIndex):
    """The chain as seen by one block's check, loaded in a few queries."""

    def __init__(self, txs: tuple[Transaction, ...]) -> None:
        ids = [tx.tx_id for tx in txs]
        self.tx_ids = set(
            ChainTransaction.objects.filter(tx_id__among=ids).values_list("tx_id", flat=True)
        )
        self.voters = set(rows_of_voters(ChainTransaction, txs))

    def has_transaction(self, tx_id: str) -> bool:
        return tx_id in self.tx_ids

    def has_voter(self, election_id: str, voter_pseudonym: str) -> bool:
        return (election_id, voter_pseudonym) in self.voters


class NodeApplication:
    """The core's Application over this node's database."""

    def transactions_for_block(self, height: int, limit: int) -> tuple[Transaction, ...]:
        """The oldest mempool transactions that are not on chain yet.

        Admission (web process) and commit (worker) are not serialised, so a transaction
        gossiped in while its block was being stored can sit in the mempool after that block
        dropped it. Proposing it would make every peer refuse the block; it is dropped here.
        """
        rows = MempoolTransaction.objects.order_by("id").values_list(
            "id", "tx_hash", *TRANSACTION_FIELDS
        )[:limit]
        candidates = {row[0]: stored_transaction(row[2:], row[1]) for row in rows}
        chain = BlockIndex(tuple(candidates.values()))
        stale = [
            row_id
            for row_id, tx in candidates.items()
            if chain.has_transaction(tx.tx_id)
            or chain.has_voter(tx.election_id, tx.voter_pseudonym)
        ]
        if stale:
            MempoolTransaction.objects.filter(id__among=stale).delete()
            log.info("mempool dropped=%s reason=already on chain", len(stale))
            for row_id in stale:
                del candidates[row_id]
        return tuple(candidates.values())

    def block_transactions_error(self, block: Block) -> str | None:
        g = genesis()
        hashes = [tx.tx_hash for tx in block.transactions]
        verified = frozenset(hashes_in(MempoolTransaction, hashes))
        return block_transactions_error(
            block, BlockIndex(block.transactions), g.submitter_keys(), g.max_payload_bytes, verified
        )
