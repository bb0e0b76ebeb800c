"""The fallback chain's hashes, links and signatures as plain functions (no database)."""

from __future__ import annotations

import dataclasses

from apps.fallback.hashchain import (
    GENESIS_PREVIOUS_HASH,
    LedgerBlock,
    block_hash,
    chain_problems,
    new_block,
    new_head,
)
from validators.core.keys import SigningKey

KEY = SigningKey.generate()


def chain(length: int) -> list[LedgerBlock]:
    blocks: list[LedgerBlock] = []
    for index in range(1, length + 1):
        previous = blocks[-1].block_hash if blocks else GENESIS_PREVIOUS_HASH
        entries = [{"transaction_id": f"tx-{index}", "ballot": "{}"}]
        blocks.append(new_block(KEY, index, previous, entries, f"2025-01-0{index}T00:00:00+00:00"))
    return blocks


def problems(blocks: list[LedgerBlock], head_of: list[LedgerBlock] | None = None) -> list[str]:
    last = (head_of if head_of is not None else blocks)[-1]
    return chain_problems(blocks, new_head(KEY, last.index, last.block_hash), KEY.public_key)


def test_a_chain_as_appended_has_no_problems() -> None:
    assert problems(chain(3)) == []
    assert chain_problems([], None, KEY.public_key) == []


def test_the_hash_covers_index_link_entries_and_time() -> None:
    base = block_hash(1, GENESIS_PREVIOUS_HASH, [{"a": 1}], "t")
    assert base != block_hash(2, GENESIS_PREVIOUS_HASH, [{"a": 1}], "t")
    assert base != block_hash(1, "1" * 64, [{"a": 1}], "t")
    assert base != block_hash(1, GENESIS_PREVIOUS_HASH, [{"a": 2}], "t")
    assert base != block_hash(1, GENESIS_PREVIOUS_HASH, [{"a": 1}], "u")


def test_an_edited_entry_breaks_the_hash() -> None:
    blocks = chain(3)
    blocks[1] = dataclasses.replace(blocks[1], entries=[{"transaction_id": "tx-2", "ballot": "x"}])
    assert problems(blocks) == ["block 2: contents do not match its hash (edited)"]


def test_an_edit_with_a_recomputed_hash_breaks_the_signature_and_the_next_link() -> None:
    blocks = chain(3)
    entries = [{"transaction_id": "tx-2", "ballot": "x"}]
    forged_hash = block_hash(2, blocks[0].block_hash, entries, blocks[1].created_at)
    blocks[1] = dataclasses.replace(blocks[1], entries=entries, block_hash=forged_hash)
    found = problems(blocks, head_of=chain(3))
    assert "block 2: signature does not verify" in found
    assert "block 3: previous_hash does not link to the block before" in found


def test_a_removed_block_leaves_a_gap() -> None:
    blocks = chain(4)
    del blocks[1]
    assert "block 2 missing: indexes jump to 3" in problems(blocks)


def test_a_removed_last_block_disagrees_with_the_signed_head() -> None:
    full = chain(3)
    found = problems(full[:2], head_of=full)
    assert len(found) == 1 and "blocks removed or added" in found[0]


def test_a_forged_head_does_not_verify() -> None:
    blocks = chain(2)
    head = dataclasses.replace(new_head(KEY, 2, blocks[1].block_hash), length=3)
    assert "chain head: signature does not verify" in chain_problems(blocks, head, KEY.public_key)


def test_swapped_blocks_break_hashes_and_links() -> None:
    blocks = chain(3)
    swapped = [
        blocks[0],
        dataclasses.replace(blocks[2], index=2),
        dataclasses.replace(blocks[1], index=3),
    ]
    found = problems(swapped, head_of=blocks)
    assert "block 2: contents do not match its hash (edited)" in found
    assert "block 2: previous_hash does not link to the block before" in found


def test_an_unencodable_edit_is_a_problem_not_a_crash() -> None:
    blocks = chain(1)
    blocks[0] = dataclasses.replace(blocks[0], entries=[{"ballot": 1.5}])
    assert problems(blocks) == ["block 1: contents do not match its hash (edited)"]


def test_a_block_signed_by_another_key_does_not_verify() -> None:
    other = SigningKey.generate()
    block = new_block(other, 1, GENESIS_PREVIOUS_HASH, [], "t")
    head = new_head(KEY, 1, block.block_hash)
    assert chain_problems([block], head, KEY.public_key) == ["block 1: signature does not verify"]
