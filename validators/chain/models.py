"""The node's persistent state (blocks, mempool, signing record)."""
