"""Signed consensus messages and certificates, with their wire (JSON) forms.

Every signature covers the canonical JSON of the message's `signed_dict()`, which always names the
chain id and the phase, so a signature can never be replayed as another kind of message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evcrypto.encoding import canonical_json
from validators.core.blocks import WIRE_FIELDS, Block, BlockHeader, MalformedError, Transaction

PROPOSAL = "PROPOSAL"
PREPARE = "PREPARE"
COMMIT = "COMMIT"
ROUND_CHANGE = "ROUND_CHANGE"

# Within one (height, round) a validator signs in this order; used to refuse going backwards.
PHASE_RANK = {ROUND_CHANGE: 0, PROPOSAL: 1, PREPARE: 2, COMMIT: 3}


@dataclass(frozen=True)
class ConsensusVote:
    """A PREPARE or COMMIT signature over (height, round, block hash)."""

    phase: str
    height: int
    round: int
    block_hash: str
    validator: str
    signature: str

    def signed_dict(self, chain_id: str) -> dict[str, Any]:
        return {
            "chain_id": chain_id,
            "phase": self.phase,
            "height": self.height,
            "round": self.round,
            "hash": self.block_hash,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.phase,
            "height": self.height,
            "round": self.round,
            "block_hash": self.block_hash,
            "validator": self.validator,
            "signature": self.signature,
        }

    @classmethod
    def from_dict(cls, data: Any) -> ConsensusVote:
        if not isinstance(data, dict) or data.get("type") not in (PREPARE, COMMIT):
            raise MalformedError("a vote must be a PREPARE or COMMIT object")
        return cls(
            phase=data["type"],
            height=WIRE_FIELDS.integer(data, "height", non_negative=True),
            round=WIRE_FIELDS.integer(data, "round", non_negative=True),
            block_hash=WIRE_FIELDS.text(data, "block_hash"),
            validator=WIRE_FIELDS.text(data, "validator"),
            signature=WIRE_FIELDS.text(data, "signature"),
        )


@dataclass(frozen=True)
class RoundChange:
    """A validator's move to `round`, carrying its highest prepared block and certificate."""

    height: int
    round: int
    validator: str
    prepared_round: int  # -1 when nothing was prepared at this height
    prepared_hash: str
    signature: str
    prepared_certificate: tuple[ConsensusVote, ...] = ()
    prepared_block: Block | None = None

    phase = ROUND_CHANGE

    @property
    def block_hash(self) -> str:
        return self.prepared_hash

    def signed_dict(self, chain_id: str) -> dict[str, Any]:
        return {
            "chain_id": chain_id,
            "phase": ROUND_CHANGE,
            "height": self.height,
            "round": self.round,
            "prepared_round": self.prepared_round,
            "prepared_hash": self.prepared_hash,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": ROUND_CHANGE,
            "height": self.height,
            "round": self.round,
            "validator": self.validator,
            "prepared_round": self.prepared_round,
            "prepared_hash": self.prepared_hash,
            "signature": self.signature,
            "prepared_certificate": [v.to_dict() for v in self.prepared_certificate],
            "prepared_block": self.prepared_block.to_dict() if self.prepared_block else None,
        }

    @classmethod
    def from_dict(cls, data: Any) -> RoundChange:
        if not isinstance(data, dict) or data.get("type") != ROUND_CHANGE:
            raise MalformedError("not a ROUND_CHANGE object")
        prepared_round = WIRE_FIELDS.integer(data, "prepared_round")  # -1: nothing prepared
        certificate = data.get("prepared_certificate") or []
        if not isinstance(certificate, list):
            raise MalformedError("prepared_certificate must be a list")
        block = data.get("prepared_block")
        return cls(
            height=WIRE_FIELDS.integer(data, "height", non_negative=True),
            round=WIRE_FIELDS.integer(data, "round", non_negative=True),
            validator=WIRE_FIELDS.text(data, "validator"),
            prepared_round=prepared_round,
            prepared_hash=WIRE_FIELDS.text(data, "prepared_hash"),
            signature=WIRE_FIELDS.text(data, "signature"),
            prepared_certificate=tuple(ConsensusVote.from_dict(v) for v in certificate),
            prepared_block=Block.from_dict(block) if block is not None else None,
        )


@dataclass(frozen=True)
class Proposal:
    """The round's proposer offering a block; rounds > 0 carry q round changes as justification."""

    height: int
    round: int
    block: Block
    validator: str
    signature: str
    round_change_certificate: tuple[RoundChange, ...] = ()

    phase = PROPOSAL

    @property
    def block_hash(self) -> str:
        return self.block.block_hash

    def signed_dict(self, chain_id: str) -> dict[str, Any]:
        return {
            "chain_id": chain_id,
            "phase": PROPOSAL,
            "height": self.height,
            "round": self.round,
            "hash": self.block.block_hash,
        }

    def to_dict(self, compact: bool = False) -> dict[str, Any]:
        """The wire form; `compact` names the block's transactions by hash only."""
        return {
            "type": PROPOSAL,
            "height": self.height,
            "round": self.round,
            "validator": self.validator,
            "signature": self.signature,
            "block": self.block.to_compact_dict() if compact else self.block.to_dict(),
            "round_change_certificate": [rc.to_dict() for rc in self.round_change_certificate],
        }

    @classmethod
    def envelope_from_dict(cls, data: Any) -> Proposal:
        """The proposal without its transactions: enough to check who signed it (the block
        hash covers the header only), at a fraction of the cost of decoding thousands."""
        if not isinstance(data, dict) or data.get("type") != PROPOSAL:
            raise MalformedError("not a PROPOSAL object")
        block = data.get("block")
        if not isinstance(block, dict):
            raise MalformedError("a proposal needs a block")
        return cls(
            height=WIRE_FIELDS.integer(data, "height", non_negative=True),
            round=WIRE_FIELDS.integer(data, "round", non_negative=True),
            block=Block(BlockHeader.from_dict(block.get("header")), ()),
            validator=WIRE_FIELDS.text(data, "validator"),
            signature=WIRE_FIELDS.text(data, "signature"),
        )

    @classmethod
    def from_dict(cls, data: Any, transactions: tuple[Transaction, ...] | None = None) -> Proposal:
        """Decode a proposal; for a compact one the caller gives the block's transactions."""
        if not isinstance(data, dict) or data.get("type") != PROPOSAL:
            raise MalformedError("not a PROPOSAL object")
        certificate = data.get("round_change_certificate") or []
        if not isinstance(certificate, list):
            raise MalformedError("round_change_certificate must be a list")
        return cls(
            height=WIRE_FIELDS.integer(data, "height", non_negative=True),
            round=WIRE_FIELDS.integer(data, "round", non_negative=True),
            block=Block.from_dict(data.get("block"), transactions),
            validator=WIRE_FIELDS.text(data, "validator"),
            signature=WIRE_FIELDS.text(data, "signature"),
            round_change_certificate=tuple(RoundChange.from_dict(rc) for rc in certificate),
        )


Message = Proposal | ConsensusVote | RoundChange


def message_from_dict(data: Any) -> Message:
    """Decode any consensus message; raises MalformedError."""
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == PROPOSAL:
        return Proposal.from_dict(data)
    if kind == ROUND_CHANGE:
        return RoundChange.from_dict(data)
    return ConsensusVote.from_dict(data)


def signed_bytes(message: Message, chain_id: str) -> bytes:
    return canonical_json(message.signed_dict(chain_id))


@dataclass(frozen=True)
class CommittedBlock:
    """A final block with its commit certificate (q COMMIT votes for one round and hash)."""

    block: Block
    certificate: tuple[ConsensusVote, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "block": self.block.to_dict(),
            "certificate": [v.to_dict() for v in self.certificate],
        }

    @classmethod
    def from_dict(cls, data: Any) -> CommittedBlock:
        if not isinstance(data, dict) or not isinstance(data.get("certificate"), list):
            raise MalformedError("a committed block needs a block and a certificate list")
        return cls(
            block=Block.from_dict(data.get("block")),
            certificate=tuple(ConsensusVote.from_dict(v) for v in data["certificate"]),
        )
