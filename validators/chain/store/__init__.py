"""The node's database, one module per concept; every edge (JSON-RPC, peer endpoints, the
consensus engine) calls their verbs.

- `mempool`: admitting transactions from submitters and from peers' gossip.
- `committed_blocks`: the chain, storing a final block and reading blocks back.
- `durable_state`: what the consensus core must find again after a crash, and its position.
- `application`: the core's view of the chain (`Application`, `ChainIndex`) over the tables.
- `transaction_rows`: a transaction as a row of the mempool and chain tables (shared).
- `inbound_messages`: large peer messages on their way from the web process to the worker.
"""
