"""Transactions and blocks: their canonical forms, hashes and stateless checks."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

from evcrypto.encoding import canonical_hash, canonical_json_of_record, sha256_hex
from validators.core.fields import FieldReader
from validators.core.keys import verify_signature

_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


class MalformedError(ValueError):
    """A transaction or block whose fields have the wrong shape."""


# A field of the wrong shape, in a transaction, a block or a consensus message: "height must
# be a non-negative integer".
WIRE_FIELDS = FieldReader(invalid=lambda name, complaint: MalformedError(f"{name} {complaint}"))


TRANSACTION_DOMAIN = "evoting/transaction/v1"


@dataclass(frozen=True)
class Transaction:
    """One ballot submission, signed by an authorised submitter (the backend). The signature
    covers a domain tag and the chain id too, so it cannot be replayed on another network nor
    passed off as another kind of signed message."""

    tx_id: str
    election_id: str
    voter_pseudonym: str
    payload: str
    submitted_at_ms: int
    submitter_key: str
    signature: str
    chain_id: str = ""

    def signing_dict(self) -> dict[str, str | int]:
        return {
            "domain": TRANSACTION_DOMAIN,
            "chain_id": self.chain_id,
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
        return canonical_json_of_record(self.signing_dict())

    @cached_property
    def tx_hash(self) -> str:
        """Hash of the signed content (not the signature)."""
        return "0x" + sha256_hex(self.signing_bytes)

    def to_dict(self) -> dict[str, Any]:
        fields = self.signing_dict()
        del fields["domain"]  # implied by the kind of message
        return {**fields, "signature": self.signature}

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
            tx_id=WIRE_FIELDS.text(data, "tx_id", pattern=_ID_PATTERN),
            election_id=WIRE_FIELDS.text(data, "election_id", pattern=_ID_PATTERN),
            voter_pseudonym=WIRE_FIELDS.text(data, "voter_pseudonym", pattern=_ID_PATTERN),
            payload=WIRE_FIELDS.text(data, "payload"),
            submitted_at_ms=WIRE_FIELDS.integer(data, "submitted_at_ms", non_negative=True),
            submitter_key=WIRE_FIELDS.text(data, "submitter_key"),
            signature=WIRE_FIELDS.text(data, "signature"),
            chain_id=WIRE_FIELDS.text(data, "chain_id"),
        )


def transaction_error(
    tx: Transaction, submitter_keys: frozenset[str], max_payload_bytes: int, chain_id: str
) -> tuple[str, str] | None:
    """Stateless admission checks: (code, reason) for the first failure, or None."""
    if tx.chain_id != chain_id:
        return ("wrong_chain", "the transaction is signed for another chain")
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
            chain_id=WIRE_FIELDS.text(data, "chain_id"),
            height=WIRE_FIELDS.integer(data, "height", non_negative=True),
            round=WIRE_FIELDS.integer(data, "round", non_negative=True),
            timestamp_ms=WIRE_FIELDS.integer(data, "timestamp_ms", non_negative=True),
            parent_hash=WIRE_FIELDS.text(data, "parent_hash"),
            proposer=WIRE_FIELDS.text(data, "proposer"),
            tx_root=WIRE_FIELDS.text(data, "tx_root"),
            tx_count=WIRE_FIELDS.integer(data, "tx_count", non_negative=True),
            parent_certificate_hash=WIRE_FIELDS.text(data, "parent_certificate_hash"),
        )


def _body_error(header: BlockHeader, tx_hashes: list[str], certificate: list[Any]) -> str | None:
    if header.tx_count != len(tx_hashes):
        return "tx_count does not match the transactions"
    try:
        root = merkle_root(tx_hashes)
    except ValueError:
        return "a transaction hash is not hexadecimal"
    if root != header.tx_root:
        return "tx_root does not match the transactions"
    if canonical_hash(certificate) != header.parent_certificate_hash:
        return "parent_certificate_hash does not match the parent certificate"
    return None


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
        return _body_error(
            self.header, [tx.tx_hash for tx in self.transactions], list(self.parent_certificate)
        )

    @staticmethod
    def wire_body_error(header: BlockHeader, data: Any) -> str | None:
        """Whether a block as received (full or compact) matches its signed header, from the
        transaction hashes alone: a copy of a genuine header cannot carry another body. The
        transactions themselves are checked later. Raises MalformedError."""
        hashes = Block.compact_hashes(data)
        if hashes is None:
            items = data.get("transactions") if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise MalformedError("a block must be an object with a transactions list")
            if len(items) != header.tx_count:  # before hashing any of them
                return "tx_count does not match the transactions"
            hashes = [Transaction.from_dict(item).tx_hash for item in items]
        certificate = data.get("parent_certificate", [])
        if not isinstance(certificate, list):
            raise MalformedError("parent_certificate must be a list of votes")
        return _body_error(header, hashes, certificate)

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
            error = transaction_error(tx, submitter_keys, max_payload_bytes, block.header.chain_id)
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
