"""Re-verify the stored chain: links, hashes, transaction roots, certificates."""

from __future__ import annotations

from typing import Any

from validators.chain import store
from validators.chain.models import Block
from validators.core.blocks import genesis_hash
from validators.core.consensus import Head, committed_block_error


def verify_chain() -> dict[str, Any]:
    """A summary: valid, height, last hash, and the first problem found (if any)."""
    config = store.consensus_config()
    head = Head(0, genesis_hash(store.genesis().to_dict()), 0)
    problem = None
    for row in Block.objects.prefetch_related("transactions").iterator(chunk_size=200):
        committed = store.committed_block(row)
        reason = committed_block_error(config, head, committed)
        if reason is None and committed.block.block_hash != row.block_hash:
            reason = "stored hash differs from the header's hash"
        if reason:
            problem = {"height": row.height, "reason": reason}
            break
        header = committed.block.header
        head = Head(header.height, header.block_hash, header.timestamp_ms)
    return {
        "valid": problem is None,
        "height": head.height,
        "last_hash": head.block_hash,
        "checked": ["links", "hashes", "tx_roots", "signatures", "certificates"],
        "problem": problem,
    }
