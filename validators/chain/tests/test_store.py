"""The node store: what a proposer takes from the mempool, what gossip adds to it."""

from __future__ import annotations

import time

import pytest

from validators.chain import store
from validators.chain.models import MempoolTransaction
from validators.core.blocks import Transaction, build_block
from validators.core.keys import SigningKey
from validators.core.messages import CommittedBlock

pytestmark = pytest.mark.django_db


def signed_tx(key: SigningKey, voter: str, tx_id: str) -> Transaction:
    tx = Transaction(
        tx_id, "election-1", voter, "ballot", int(time.time() * 1000), key.public_key, ""
    )
    return Transaction(**{**tx.to_dict(), "signature": key.sign(tx.signing_bytes)})


def late_mempool_row(tx: Transaction) -> None:
    """What admission leaves when a gossiped copy lands just after its block was stored."""
    MempoolTransaction.objects.create(tx_hash=tx.tx_hash, **tx.to_dict())


def test_a_proposer_drops_mempool_rows_already_on_chain(submitter: SigningKey) -> None:
    on_chain = (signed_tx(submitter, "voter-a", "tx-1"), signed_tx(submitter, "voter-z", "tx-0"))
    block = build_block(
        store.genesis().chain_id, 1, 0, 1000, store.head().block_hash, "validator-2", on_chain
    )
    store.store_committed_block(CommittedBlock(block, ()))
    late_mempool_row(on_chain[0])
    late_mempool_row(signed_tx(submitter, "voter-z", "tx-2"))  # a rival ballot of a voter on chain
    fresh = signed_tx(submitter, "voter-b", "tx-3")
    assert store.admit_transactions([fresh]) == [None]

    proposed = store.NodeApplication().transactions_for_block(2, 5000)

    assert [tx.tx_id for tx in proposed] == ["tx-3"]
    assert list(MempoolTransaction.objects.values_list("tx_id", flat=True)) == ["tx-3"]


def test_a_proposer_takes_the_oldest_transactions_first(submitter: SigningKey) -> None:
    txs = [signed_tx(submitter, f"voter-{i}", f"tx-{i}") for i in range(5)]
    assert store.admit_transactions(txs[:3]) == [None] * 3
    assert store.admit_transactions(txs[3:]) == [None] * 2

    proposed = store.NodeApplication().transactions_for_block(1, 3)

    assert [tx.tx_id for tx in proposed] == ["tx-0", "tx-1", "tx-2"]


def test_gossip_adds_only_transactions_that_pass_the_checks(submitter: SigningKey) -> None:
    good = signed_tx(submitter, "voter-a", "tx-1")
    forged = Transaction(
        **{**signed_tx(submitter, "voter-b", "tx-2").to_dict(), "signature": good.signature}
    )
    rival = signed_tx(submitter, "voter-a", "tx-3")  # the voter of tx-1 again

    assert store.admit_gossip([good, forged]) == 1
    assert store.admit_gossip([good, rival]) == 1  # tx-1 is held already; tx-3 checks out

    assert list(MempoolTransaction.objects.values_list("tx_id", flat=True)) == ["tx-1"]


def test_a_stored_transaction_keeps_its_fields_and_hash(submitter: SigningKey) -> None:
    tx = signed_tx(submitter, "voter-a", "tx-1")
    assert store.admit_transactions([tx]) == [None]

    (proposed,) = store.NodeApplication().transactions_for_block(1, 10)

    assert proposed == tx
    assert proposed.tx_hash == Transaction(**tx.to_dict()).tx_hash


def test_gossip_skips_transactions_already_on_chain(submitter: SigningKey) -> None:
    tx = signed_tx(submitter, "voter-a", "tx-1")
    block = build_block(
        store.genesis().chain_id, 1, 0, 1000, store.head().block_hash, "validator-2", (tx,)
    )
    store.store_committed_block(CommittedBlock(block, ()))

    assert store.admit_gossip([tx]) == 0
    assert not MempoolTransaction.objects.exists()
