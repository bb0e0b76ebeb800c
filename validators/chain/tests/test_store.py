"""The node store: what a proposer takes from the mempool, what gossip adds to it."""

from __future__ import annotations

import time

import pytest

from validators.chain import network_config
from validators.chain.models import LockedBlock, MempoolTransaction
from validators.chain.store import (
    application,
    committed_blocks,
    durable_state,
    mempool,
    transaction_rows,
)
from validators.core.blocks import Block, Transaction, build_block
from validators.core.keys import SigningKey
from validators.core.messages import CommittedBlock

pytestmark = pytest.mark.django_db


def signed_tx(key: SigningKey, voter: str, tx_id: str) -> Transaction:
    tx = Transaction(
        tx_id,
        "election-1",
        voter,
        "ballot",
        int(time.time() * 1000),
        key.public_key,
        "",
        network_config.genesis().chain_id,
    )
    return Transaction(**{**tx.to_dict(), "signature": key.sign(tx.signing_bytes)})


def late_mempool_row(tx: Transaction) -> None:
    """What admission leaves when a gossiped copy lands just after its block was stored."""
    fields = {name: getattr(tx, name) for name in transaction_rows.TRANSACTION_FIELDS}
    MempoolTransaction.objects.create(tx_hash=tx.tx_hash, **fields)


def test_a_proposer_drops_mempool_rows_already_on_chain(submitter: SigningKey) -> None:
    on_chain = (signed_tx(submitter, "voter-a", "tx-1"), signed_tx(submitter, "voter-z", "tx-0"))
    block = build_block(
        network_config.genesis().chain_id,
        1,
        0,
        1000,
        committed_blocks.head().block_hash,
        "validator-2",
        on_chain,
    )
    committed_blocks.store(CommittedBlock(block, ()))
    late_mempool_row(on_chain[0])
    late_mempool_row(signed_tx(submitter, "voter-z", "tx-2"))  # a rival ballot of a voter on chain
    fresh = signed_tx(submitter, "voter-b", "tx-3")
    assert mempool.admit_transactions([fresh]) == [None]

    proposed = application.NodeApplication().transactions_for_block(2, 5000)

    assert [tx.tx_id for tx in proposed] == ["tx-3"]
    assert list(MempoolTransaction.objects.values_list("tx_id", flat=True)) == ["tx-3"]


def test_a_proposer_takes_the_oldest_transactions_first(submitter: SigningKey) -> None:
    txs = [signed_tx(submitter, f"voter-{i}", f"tx-{i}") for i in range(5)]
    assert mempool.admit_transactions(txs[:3]) == [None] * 3
    assert mempool.admit_transactions(txs[3:]) == [None] * 2

    proposed = application.NodeApplication().transactions_for_block(1, 3)

    assert [tx.tx_id for tx in proposed] == ["tx-0", "tx-1", "tx-2"]


def test_gossip_adds_only_transactions_that_pass_the_checks(submitter: SigningKey) -> None:
    good = signed_tx(submitter, "voter-a", "tx-1")
    forged = Transaction(
        **{**signed_tx(submitter, "voter-b", "tx-2").to_dict(), "signature": good.signature}
    )
    rival = signed_tx(submitter, "voter-a", "tx-3")  # the voter of tx-1 again

    assert mempool.admit_gossip([good, forged]) == 1
    assert mempool.admit_gossip([good, rival]) == 1  # tx-1 is held already; tx-3 checks out

    assert list(MempoolTransaction.objects.values_list("tx_id", flat=True)) == ["tx-1"]


def test_a_stored_transaction_keeps_its_fields_and_hash(submitter: SigningKey) -> None:
    tx = signed_tx(submitter, "voter-a", "tx-1")
    assert mempool.admit_transactions([tx]) == [None]

    (proposed,) = application.NodeApplication().transactions_for_block(1, 10)

    assert proposed == tx
    assert proposed.tx_hash == Transaction(**tx.to_dict()).tx_hash


def test_gossip_skips_transactions_already_on_chain(submitter: SigningKey) -> None:
    tx = signed_tx(submitter, "voter-a", "tx-1")
    block = build_block(
        network_config.genesis().chain_id,
        1,
        0,
        1000,
        committed_blocks.head().block_hash,
        "validator-2",
        (tx,),
    )
    committed_blocks.store(CommittedBlock(block, ()))

    assert mempool.admit_gossip([tx]) == 0
    assert not MempoolTransaction.objects.exists()


def locked_block(submitter: SigningKey, pooled: int, total: int) -> tuple[dict, Block]:
    """A block of `total` transactions, the first `pooled` of them in the mempool, and a
    durable state whose lock names it."""
    txs = tuple(signed_tx(submitter, f"voter-{i}", f"tx-{i}") for i in range(total))
    assert mempool.admit_transactions(list(txs[:pooled])) == [None] * pooled
    block = build_block(
        network_config.genesis().chain_id,
        1,
        0,
        1000,
        committed_blocks.head().block_hash,
        "validator-2",
        txs,
    )
    durable = {"height": 1, "round": 0, "lock": {"round": 0, "block_hash": block.block_hash}}
    return durable, block


def test_the_locked_block_is_stored_by_hash_where_the_mempool_holds_it(
    submitter: SigningKey,
) -> None:
    durable, block = locked_block(submitter, pooled=3, total=5)

    durable_state.save(durable, block, 1, 0)

    stored = LockedBlock.objects.get().block
    assert stored["tx_hashes"] == [tx.tx_hash for tx in block.transactions]
    assert stored["not_in_mempool"] == [tx.to_dict() for tx in block.transactions[3:]]
    assert durable_state.load() == {**durable, "lock_block": block.to_dict()}


def test_later_writes_keep_the_locked_block(submitter: SigningKey) -> None:
    durable, block = locked_block(submitter, pooled=2, total=2)
    durable_state.save(durable, block, 1, 0)

    durable_state.save({**durable, "round": 1}, None, 1, 1)
    durable_state.save_live_position(1, 1)

    assert durable_state.load() == {
        **durable,
        "round": 1,
        "lock_block": block.to_dict(),
    }


def test_a_locked_block_naming_a_transaction_no_longer_held_is_refused_at_load(
    submitter: SigningKey,
) -> None:
    durable, block = locked_block(submitter, pooled=2, total=2)
    durable_state.save(durable, block, 1, 0)
    MempoolTransaction.objects.filter(tx_id="tx-1").delete()

    with pytest.raises(
        durable_state.LockBlockMissing, match="names 1 transactions this node does not"
    ):
        durable_state.load()


def test_a_locked_block_stored_whole_still_loads(
    submitter: SigningKey,
) -> None:
    durable, block = locked_block(submitter, pooled=0, total=2)
    durable_state.save(durable, None, 1, 0)
    LockedBlock.objects.create(pk=1, block=block.to_dict())

    assert durable_state.load() == {**durable, "lock_block": block.to_dict()}
