"""Compact proposals: a block named by its transactions' hashes, filled in by the receiver."""

from __future__ import annotations

import json

import pytest

from validators.core.blocks import Block, MalformedError, Transaction, build_block
from validators.core.messages import Proposal


def transactions(count: int) -> tuple[Transaction, ...]:
    return tuple(
        Transaction(f"tx-{i}", "e-1", f"voter-{i}", "ballot", 1, "key", "sig") for i in range(count)
    )


def proposal(txs: tuple[Transaction, ...]) -> Proposal:
    return Proposal(1, 0, build_block("chain", 1, 0, 1000, "parent", "v1", txs), "v1", "sig")


def test_a_compact_proposal_names_its_transactions_by_hash_and_fills_back_to_the_same() -> None:
    txs = transactions(3)
    original = proposal(txs)

    wire = json.loads(json.dumps(original.to_dict(compact=True)))

    assert "transactions" not in wire["block"]
    assert Block.compact_hashes(wire["block"]) == [tx.tx_hash for tx in txs]
    filled = Proposal.from_dict(wire, txs)
    assert filled == original
    assert filled.block.body_error() is None


def test_the_full_form_has_no_hash_list() -> None:
    assert Block.compact_hashes(proposal(transactions(2)).to_dict()["block"]) is None


def test_transactions_filled_in_another_order_do_not_match_the_header() -> None:
    txs = transactions(3)
    wire = proposal(txs).to_dict(compact=True)

    filled = Proposal.from_dict(wire, (txs[1], txs[0], txs[2]))

    assert filled.block.body_error() == "tx_root does not match the transactions"


@pytest.mark.parametrize("hashes", ["0xab", [1], None])
def test_a_bad_hash_list_is_malformed(hashes: object) -> None:
    with pytest.raises(MalformedError, match="tx_hashes must be a list of strings"):
        Block.compact_hashes({"tx_hashes": hashes})
