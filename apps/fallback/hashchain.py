"""The fallback chain's hash links and signatures, as plain functions (no Django, no I/O).

Block hash = SHA-256 of the canonical encoding (evcrypto.encoding, the one encoding used
everywhere) of {index, previous_hash, entries, created_at}; the signature is the
backend's Ed25519 signature over the 32 bytes of that hash. The head record (length, last
hash), signed the same way, is what reveals a removed last block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evcrypto.encoding import EncodingError, canonical_hash, canonical_json
from validators.core.keys import SigningKey, verify_signature

GENESIS_PREVIOUS_HASH = "0" * 64


@dataclass(frozen=True)
class LedgerBlock:
    index: int
    previous_hash: str
    entries: list[dict[str, Any]]
    created_at: str  # ISO 8601, UTC, microseconds
    block_hash: str
    signature: str


@dataclass(frozen=True)
class LedgerHead:
    length: int
    last_hash: str
    signature: str


def block_hash(
    index: int, previous_hash: str, entries: list[dict[str, Any]], created_at: str
) -> str:
    return canonical_hash(
        {
            "index": index,
            "previous_hash": previous_hash,
            "entries": entries,
            "created_at": created_at,
        }
    )


def sign_hash(key: SigningKey, hex_hash: str) -> str:
    return key.sign(bytes.fromhex(hex_hash))


def head_bytes(length: int, last_hash: str) -> bytes:
    return canonical_json({"length": length, "last_hash": last_hash})


def new_block(
    key: SigningKey,
    index: int,
    previous_hash: str,
    entries: list[dict[str, Any]],
    created_at: str,
) -> LedgerBlock:
    digest = block_hash(index, previous_hash, entries, created_at)
    return LedgerBlock(index, previous_hash, entries, created_at, digest, sign_hash(key, digest))


def new_head(key: SigningKey, length: int, last_hash: str) -> LedgerHead:
    return LedgerHead(length, last_hash, key.sign(head_bytes(length, last_hash)))


def _hash_verifies(public_key: str, hex_hash: str, signature: str) -> bool:
    try:
        message = bytes.fromhex(hex_hash)
    except ValueError:
        return False
    return verify_signature(public_key, message, signature)


def block_problems(
    block: LedgerBlock, expected_index: int, previous_hash: str, public_key: str
) -> list[str]:
    """What is wrong with one block, given the index and hash of the block it should follow."""
    problems = []
    if block.index > expected_index:
        missing = "..".join(str(i) for i in sorted({expected_index, block.index - 1}))
        problems.append(f"block {missing} missing: indexes jump to {block.index}")
    elif block.index < expected_index:
        problems.append(f"block {block.index}: index out of order")
    try:
        recomputed = block_hash(block.index, block.previous_hash, block.entries, block.created_at)
    except EncodingError:  # an edit put a float or another unencodable value in the row
        recomputed = None
    if recomputed != block.block_hash:
        problems.append(f"block {block.index}: contents do not match its hash (edited)")
    if block.previous_hash != previous_hash:
        problems.append(f"block {block.index}: previous_hash does not link to the block before")
    if not _hash_verifies(public_key, block.block_hash, block.signature):
        problems.append(f"block {block.index}: signature does not verify")
    return problems


def chain_problems(
    blocks: Sequence[LedgerBlock], head: LedgerHead | None, public_key: str
) -> list[str]:
    """Every problem found walking the blocks in index order, then the head.

    An edited row breaks its hash (or, with the hash rewritten too, its signature and the
    next block's link); a reordered row breaks hashes and links; a removed row leaves a gap
    in the indexes or, if it was the last, disagrees with the signed head.
    """
    problems: list[str] = []
    previous_index, previous_hash = 0, GENESIS_PREVIOUS_HASH
    for block in blocks:
        problems += block_problems(block, previous_index + 1, previous_hash, public_key)
        previous_index, previous_hash = block.index, block.block_hash
    return problems + head_problems(previous_index, previous_hash, head, public_key)


def head_problems(
    length: int, last_hash: str, head: LedgerHead | None, public_key: str
) -> list[str]:
    """The signed head must name the last block (its index and hash)."""
    if head is None or (head.length == 0 and not head.signature):  # nothing appended yet
        return [f"chain head missing while the chain holds blocks up to {length}"] if length else []
    problems = []
    if not verify_signature(public_key, head_bytes(head.length, head.last_hash), head.signature):
        problems.append("chain head: signature does not verify")
    if (head.length, head.last_hash) != (length, last_hash):
        problems.append(
            f"chain head says {head.length} blocks ending {head.last_hash[:16]}, "
            f"the chain ends at {length} with {last_hash[:16]} (blocks removed or added)"
        )
    return problems
