"""Transactions and blocks: their canonical forms, hashes and stateless checks."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

from validators.core.encoding import canonical_bytes_of_record, canonical_hash, sha256_hex
from validators.core.keys import verify_signature

_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


class MalformedError(ValueError):
    """A transaction or block whose fields have the wrong shape."""


def _text(data: dict[str, Any], name: str, pattern: re.Pattern[str] | None = None) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise MalformedError(f"{name} must be a string")
    if pattern is not None and not pattern.match(value):
        raise MalformedError(f"{name} has a bad format")
    return value


def _int(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedError(f"{name} must be a non-negative integer")
    return value


@dataclass(frozen=True)
class Transaction:
    """One ballot submission, signed by an authorised submitter (the backend)."""

    tx_id: str
    election_id: str
    voter_pseudonym: str
    payload: str
    submitted_at_ms: int
    submitter_key: str
    signature: str

    def signing_dict(self) -> dict[str, str | int]:
        return {
            "tx_id": self.tx_id,
            "election_id": self.election_id,
            "voter_pseudonym": self.voter_pseudonym,
            "payload": self.payload,
            "submitted_at_ms": self.submitted_at_ms,
            "submitter_key": self.submitter_key,
        }

    @cached_property
    def signing_bytes(self) -> bytes:
        """Canonical bytes of the signed content, encoded once per object."""
        return canonical_bytes_of_record(self.signing_dict())

    @cached_property
    def tx_hash(self) -> str:
        """Hash of the signed content (not the signature)."""
        return "0x" + sha256_hex(self.signing_bytes)

    def to_dict(self) -> dict[str, Any]:
        return {**self.signing_dict(), "signature": self.signature}

    def with_stored_hash(self, tx_hash: str) -> Transaction:
        """This transaction, taking its hash from a store that computed it when it checked the
        transaction (a node's own mempool and chain), instead of encoding it again."""
        self.__dict__["tx_hash"] = tx_hash
        return self

    @classmethod
    def from_dict(cls, data: Any) -> Transaction:
        if not isinstance(data, dict):
            raise MalformedError("a transaction must be a JSON object")
        return cls(
            tx_id=_text(data, "tx_id", _ID_PATTERN),
            election_id=_text(data, "election_id", _ID_PATTERN),
            voter_pseudonym=_text(data, "voter_pseudonym", _ID_PATTERN),
            payload=_text(data, "payload"),
            submitted_at_ms=_int(data, "submitted_at_ms"),
            submitter_key=_text(data, "submitter_key"),
            signature=_text(data, "signature"),
        )


def transaction_error(
    tx: Transaction, submitter_keys: frozenset[str], max_payload_bytes: int
) -> tuple[str, str] | None:
    """Stateless admission checks: (code, reason) for the first failure, or None."""
    if len(tx.payload.encode()) > max_payload_bytes:
        return ("payload_too_large", f"payload exceeds {max_payload_bytes} bytes")
    if tx.submitter_key not in submitter_keys:
        return ("unauthorised_submitter", "submitter key is not listed in genesis")
    if not verify_signature(tx.submitter_key, tx.signing_bytes, tx.signature):
        return ("bad_signature", "submitter signature does not verify")
    return None


def merkle_root(leaves: list[str]) -> str:
    """RFC 6962-style Merkle tree hash over hex leaf hashes (leaf and node prefixes differ)."""
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    level = [
        hashlib.sha256(b"\x00" + bytes.fromhex(leaf.removeprefix("0x"))).digest() for leaf in leaves
    ]
    while len(level) > 1:
        paired = []
        for i in range(0, len(level) - 1, 2):
            paired.append(hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest())
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0].hex()


@dataclass(frozen=True)
class BlockHeader:
    chain_id: str
    height: int
    round: int
    timestamp_ms: int
    parent_hash: str
    proposer: str
    tx_root: str
    tx_count: int
    parent_certificate_hash: str

    @cached_property
    def block_hash(self) -> str:
        return canonical_hash(asdict(self))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> BlockHeader:
        if not isinstance(data, dict):
            raise MalformedError("a block header must be a JSON object")
        return cls(
            chain_id=_text(data, "chain_id"),
            height=_int(data, "height"),
            round=_int(data, "round"),
            timestamp_ms=_int(data, "timestamp_ms"),
            parent_hash=_text(data, "parent_hash"),
            proposer=_text(data, "proposer"),
            tx_root=_text(data, "tx_root"),
            tx_count=_int(data, "tx_count"),
            parent_certificate_hash=_text(data, "parent_certificate_hash"),
        )


@dataclass(frozen=True)
class Block:
    """A header, its transactions, and the commit certificate of its parent (wire-form votes).

    Carrying the parent's certificate makes every node store the same certificate for every
    block but the head: the one its child names (through `parent_certificate_hash`)."""

    header: BlockHeader
    transactions: tuple[Transaction, ...]
    parent_certificate: tuple[dict[str, Any], ...] = ()

    @property
    def block_hash(self) -> str:
        return self.header.block_hash

    @property
    def height(self) -> int:
        return self.header.height

    def body_error(self) -> str | None:
        """Reason the body does not match the header, or None."""
        if self.header.tx_count != len(self.transactions):
            return "tx_count does not match the transactions"
        if merkle_root([tx.tx_hash for tx in self.transactions]) != self.header.tx_root:
            return "tx_root does not match the transactions"
        if canonical_hash(list(self.parent_certificate)) != self.header.parent_certificate_hash:
            return "parent_certificate_hash does not match the parent certificate"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "header": self.header.to_dict(),
            "transactions": [tx.to_dict() for tx in self.transactions],
            "parent_certificate": list(self.parent_certificate),
        }

    def to_compact_dict(self) -> dict[str, Any]:
        """The block naming its transactions by hash: for peers that hold them already."""
        return {
            "header": self.header.to_dict(),
            "tx_hashes": [tx.tx_hash for tx in self.transactions],
            "parent_certificate": list(self.parent_certificate),
        }

    @staticmethod
    def compact_hashes(data: Any) -> list[str] | None:
        """The transaction hashes of a block in compact form; None for the full form."""
        if not isinstance(data, dict) or "tx_hashes" not in data:
            return None
        hashes = data["tx_hashes"]
        if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
            raise MalformedError("tx_hashes must be a list of strings")
        return hashes

    @classmethod
    def from_dict(cls, data: Any, transactions: tuple[Transaction, ...] | None = None) -> Block:
        """Decode a block; a compact one's `transactions` are given by the caller, which
        looked up its `tx_hashes` (the header's tx_root still has to match them)."""
        if not isinstance(data, dict):
            raise MalformedError("a block must be a JSON object")
        if transactions is None:
            if not isinstance(data.get("transactions"), list):
                raise MalformedError("a block must be an object with a transactions list")
            transactions = tuple(Transaction.from_dict(tx) for tx in data["transactions"])
        certificate = data.get("parent_certificate", [])
        if not isinstance(certificate, list) or not all(isinstance(v, dict) for v in certificate):
            raise MalformedError("parent_certificate must be a list of votes")
        return cls(
            header=BlockHeader.from_dict(data.get("header")),
            transactions=transactions,
            parent_certificate=tuple(certificate),
        )


def build_block(
    chain_id: str,
    height: int,
    round_: int,
    timestamp_ms: int,
    parent_hash: str,
    proposer: str,
    transactions: tuple[Transaction, ...],
    parent_certificate: tuple[dict[str, Any], ...] = (),
) -> Block:
    header = BlockHeader(
        chain_id=chain_id,
        height=height,
        round=round_,
        timestamp_ms=timestamp_ms,
        parent_hash=parent_hash,
        proposer=proposer,
        tx_root=merkle_root([tx.tx_hash for tx in transactions]),
        tx_count=len(transactions),
        parent_certificate_hash=canonical_hash(list(parent_certificate)),
    )
    return Block(header, transactions, parent_certificate)


def genesis_hash(genesis_dict: dict[str, Any]) -> str:
    """Hash of the genesis document: the parent hash of block 1."""
    return canonical_hash(genesis_dict)


def block_transactions_error(
    block: Block,
    on_chain: ChainIndex,
    submitter_keys: frozenset[str],
    max_payload_bytes: int,
    already_verified: frozenset[str] = frozenset(),
) -> str | None:
    """Stateful block check: every transaction admissible, none on chain or repeated.

    `already_verified` holds hashes of transactions this node admitted itself (their
    signatures were checked then), so a proposal does not pay for them twice.

    One ballot per (election id, voter pseudonym) ever: a second one, in the same block or
    a later one, makes the block invalid, so block order decides identically on every node.
    """
    tx_ids: set[str] = set()
    voters: set[tuple[str, str]] = set()
    for tx in block.transactions:
        error = None
        if tx.tx_hash not in already_verified:
            error = transaction_error(tx, submitter_keys, max_payload_bytes)
        if error:
            return f"transaction {tx.tx_id}: {error[1]}"
        voter = (tx.election_id, tx.voter_pseudonym)
        if tx.tx_id in tx_ids or on_chain.has_transaction(tx.tx_id):
            return f"transaction {tx.tx_id} is already on chain"
        if voter in voters or on_chain.has_voter(*voter):
            return (
                f"transaction {tx.tx_id}: voter already has a ballot in election {tx.election_id}"
            )
        tx_ids.add(tx.tx_id)
        voters.add(voter)
    return None


class ChainIndex:
    """What a block check needs to know about the chain; hosts implement it over their store."""

    def has_transaction(self, tx_id: str) -> bool:
        raise NotImplementedError

    def has_voter(self, election_id: str, voter_pseudonym: str) -> bool:
        raise NotImplementedError
