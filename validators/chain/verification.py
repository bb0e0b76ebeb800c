"""Re-verify the stored chain: links, hashes, transaction roots, certificates."""

from __future__ import annotations

from typing import Any

from validators.chain import network_config
from validators.chain.models import StoredBlock
from validators.chain.store import committed_blocks
from validators.core.blocks import genesis_hash
from validators.core.rules import Head, committed_block_error

_last: tuple[tuple[int, str] | None, dict[str, Any]] | None = None


def verify_chain() -> dict[str, Any]:
    """verify_whole_chain, again only when the chain has grown: anyone may ask (GET
    /blockchain), and walking every block on every request would be theirs to command."""
    global _last
    head = StoredBlock.objects.order_by("-height").values_list("height", "block_hash").first()
    if _last is None or _last[0] != head:
        _last = (head, verify_whole_chain())
    return _last[1]


def verify_whole_chain() -> dict[str, Any]:
    """A summary: valid, height, last hash, and the first problem found (if any)."""
    config = network_config.consensus_config()
    head = Head(0, genesis_hash(network_config.genesis().to_dict()), 0)
    problem = None
    for row in StoredBlock.objects.prefetch_related("transactions").iterator(chunk_size=200):
        committed = committed_blocks.from_row(row)
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
