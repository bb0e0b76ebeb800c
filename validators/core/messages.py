"""Signed consensus messages and certificates, with their wire (JSON) forms.

Every signature covers canonical_bytes of the message's `signed_dict()`, which always names the
chain id and the phase, so a signature can never be replayed as another kind of message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from validators.core.blocks import Block, BlockHeader, MalformedError, Transaction, _int, _text
from validators.core.encoding import canonical_bytes

PROPOSAL = "PROPOSAL"
PREPARE = "PREPARE"
COMMIT = "COMMIT"
ROUND_CHANGE = "ROUND_CHANGE"

# Within one (height, round) a validator signs in this order; used to refuse going backwards.
PHASE_RANK = {ROUND_CHANGE: 0, PROPOSAL: 1, PREPARE: 2, COMMIT: 3}


@dataclass(frozen=True)
class Vote:
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
    def from_dict(cls, data: Any) -> Vote:
        if not isinstance(data, dict) or data.get("type") not in (PREPARE, COMMIT):
            raise MalformedError("a vote must be a PREPARE or COMMIT object")
        return cls(
            phase=data["type"],
            height=_int(data, "height"),
            round=_int(data, "round"),
            block_hash=_text(data, "block_hash"),
            validator=_text(data, "validator"),
            signature=_text(data, "signature"),
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
    prepared_certificate: tuple[Vote, ...] = ()
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
        prepared_round = data.get("prepared_round")
        if not isinstance(prepared_round, int) or isinstance(prepared_round, bool):
            raise MalformedError("prepared_round must be an integer")
        certificate = data.get("prepared_certificate") or []
        if not isinstance(certificate, list):
            raise MalformedError("prepared_certificate must be a list")
        block = data.get("prepared_block")
        return cls(
            height=_int(data, "height"),
            round=_int(data, "round"),
            validator=_text(data, "validator"),
            prepared_round=prepared_round,
            prepared_hash=_text(data, "prepared_hash"),
            signature=_text(data, "signature"),
            prepared_certificate=tuple(Vote.from_dict(v) for v in certificate),
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
            height=_int(data, "height"),
            round=_int(data, "round"),
            block=Block(BlockHeader.from_dict(block.get("header")), ()),
            validator=_text(data, "validator"),
            signature=_text(data, "signature"),
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
            height=_int(data, "height"),
            round=_int(data, "round"),
            block=Block.from_dict(data.get("block"), transactions),
            validator=_text(data, "validator"),
            signature=_text(data, "signature"),
            round_change_certificate=tuple(RoundChange.from_dict(rc) for rc in certificate),
        )


Message = Proposal | Vote | RoundChange


def message_from_dict(data: Any) -> Message:
    """Decode any consensus message; raises MalformedError."""
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == PROPOSAL:
        return Proposal.from_dict(data)
    if kind == ROUND_CHANGE:
        return RoundChange.from_dict(data)
    return Vote.from_dict(data)


def signed_bytes(message: Message, chain_id: str) -> bytes:
    return canonical_bytes(message.signed_dict(chain_id))


@dataclass(frozen=True)
class CommittedBlock:
    """A final block with its commit certificate (q COMMIT votes for one round and hash)."""

    block: Block
    certificate: tuple[Vote, ...]

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
            certificate=tuple(Vote.from_dict(v) for v in data["certificate"]),
        )
