"""What the consensus state machine asks of its host, which carries the actions out in order.

`Persist` (write the durable state *before* any later `Send`), `Send`, `CommitBlock`,
`UpdateCertificate`, `FetchBlocks`, and the log-only `Rejected`, `RoundChanged`,
`EvidenceFound`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from validators.core.blocks import Block
from validators.core.messages import CommittedBlock, ConsensusVote, Message


@dataclass(frozen=True)
class Send:
    message: Message
    to: str | None = None  # None: every other validator


@dataclass(frozen=True)
class Persist:
    """Write `state`; `lock_block` comes with it when the lock changes (hosts keep the last
    one they were given, and hand it back in the durable state as `lock_block`, its dict)."""

    state: dict[str, Any]
    lock_block: Block | None = None


@dataclass(frozen=True)
class CommitBlock:
    committed: CommittedBlock
    proposal_seen_ms: int | None


@dataclass(frozen=True)
class UpdateCertificate:
    height: int
    certificate: tuple[ConsensusVote, ...]


@dataclass(frozen=True)
class FetchBlocks:
    peer: str
    from_height: int


@dataclass(frozen=True)
class Rejected:
    sender: str
    kind: str
    height: int
    round: int
    reason: str


@dataclass(frozen=True)
class RoundChanged:
    height: int
    round: int
    reason: str


@dataclass(frozen=True)
class EvidenceFound:
    validator: str
    height: int
    round: int
    phase: str
    first: dict[str, Any]
    second: dict[str, Any]


Action = (
    Send
    | Persist
    | CommitBlock
    | UpdateCertificate
    | FetchBlocks
    | Rejected
    | RoundChanged
    | EvidenceFound
)
