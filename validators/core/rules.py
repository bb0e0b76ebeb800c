"""The rules every block and consensus message is held to, pure: no Django, I/O or clock.

The validator set and its parameters (`ConsensusConfig`), the committed head a block builds
on (`Head`), and the checks that need nothing else: a message's signature, a certificate's
quorum of votes, a block against its parent, a committed block with its certificate. The
consensus state machine applies them to what peers send; a node's chain verification, its
peer endpoints and the outside audit apply the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from validators.core.blocks import Block
from validators.core.genesis import Genesis
from validators.core.keys import verify_signature
from validators.core.messages import COMMIT, CommittedBlock, ConsensusVote, Message, signed_bytes

# ----------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class ConsensusConfig:
    chain_id: str
    validators: tuple[tuple[str, str], ...]  # (id, public key hex), in round-robin order
    quorum: int
    interval_ms: int
    max_block_txs: int = 5000
    max_skew_ms: int = 500

    @classmethod
    def from_genesis(cls, genesis: Genesis) -> ConsensusConfig:
        return cls(
            chain_id=genesis.chain_id,
            validators=tuple((v.id, v.public_key) for v in genesis.validators),
            quorum=genesis.quorum,
            interval_ms=genesis.block_interval_ms,
            max_block_txs=genesis.max_block_txs,
        )

    @property
    def size(self) -> int:
        return len(self.validators)

    @property
    def weak_quorum(self) -> int:
        """Smallest set that must hold a correct validator: N - q + 1."""
        return self.size - self.quorum + 1

    def proposer_for(self, height: int, round_: int) -> str:
        return self.validators[(height + round_) % self.size][0]

    def public_key(self, validator: str) -> str | None:
        for node_id, key in self.validators:
            if node_id == validator:
                return key
        return None

    def index(self, validator: str) -> int:
        return [node_id for node_id, _ in self.validators].index(validator)

    def round_timeout_ms(self, round_: int) -> int:
        if round_ == 0:
            return self.interval_ms
        backoff: int = self.interval_ms * 2 ** (round_ - 1)
        return min(backoff, 6 * self.interval_ms)


@dataclass(frozen=True)
class Head:
    """The last committed block (height 0 is genesis)."""

    height: int
    block_hash: str
    timestamp_ms: int


# ----------------------------------------------------------------------------- verification


_verified: dict[tuple[str, bytes, str], bool] = {}


def signature_valid(config: ConsensusConfig, message: Message) -> bool:
    """Signature by a validator in the set over the message's canonical bytes (memoised)."""
    key = config.public_key(message.validator)
    if key is None:
        return False
    data = signed_bytes(message, config.chain_id)
    memo_key = (key, data, message.signature)
    if memo_key not in _verified:
        if len(_verified) > 200_000:
            _verified.clear()
        _verified[memo_key] = verify_signature(key, data, message.signature)
    return _verified[memo_key]


def certificate_error(
    config: ConsensusConfig,
    votes: tuple[ConsensusVote, ...],
    phase: str,
    height: int,
    round_: int,
    block_hash: str,
) -> str | None:
    """Reason a certificate is not q distinct valid `phase` votes for (height, round, hash)."""
    signers = set()
    for vote in votes:
        if (vote.phase, vote.height, vote.round, vote.block_hash) != (
            phase,
            height,
            round_,
            block_hash,
        ):
            return f"{phase.lower()} certificate holds a vote for another block or round"
        if not signature_valid(config, vote):
            return f"{phase.lower()} certificate holds an invalid signature from {vote.validator}"
        signers.add(vote.validator)
    if len(signers) < config.quorum:
        return f"{phase.lower()} certificate has {len(signers)} distinct signatures, needs {config.quorum}"
    return None


def header_error(config: ConsensusConfig, head: Head, block: Block) -> str | None:
    """Checks of a block against its parent that need no clock and no chain state."""
    header = block.header
    if header.chain_id != config.chain_id:
        return "wrong chain id"
    if header.height != head.height + 1:
        return f"height {header.height} is not head + 1 ({head.height + 1})"
    if header.parent_hash != head.block_hash:
        return "parent hash is not the head hash"
    if header.proposer != config.proposer_for(header.height, header.round):
        return (
            f"{header.proposer} is not the proposer for height {header.height} round {header.round}"
        )
    if header.timestamp_ms < head.timestamp_ms + config.interval_ms:
        return "timestamp is earlier than parent + interval"
    return block.body_error() or parent_certificate_error(config, head, block)


def parent_certificate_error(config: ConsensusConfig, head: Head, block: Block) -> str | None:
    """Block h must carry a valid commit certificate of block h - 1 (none for block 1)."""
    if head.height == 0:
        return None if not block.parent_certificate else "block 1 carries a parent certificate"
    try:
        votes = tuple(ConsensusVote.from_dict(v) for v in block.parent_certificate)
    except ValueError as exc:
        return f"parent certificate is malformed: {exc}"
    if not votes:
        return "parent certificate is empty"
    reason = certificate_error(config, votes, COMMIT, head.height, votes[0].round, head.block_hash)
    return f"parent {reason}" if reason else None


def committed_block_error(
    config: ConsensusConfig, head: Head, committed: CommittedBlock
) -> str | None:
    """Full check of a committed block from a peer: header, body and commit certificate."""
    block = committed.block
    reason = header_error(config, head, block)
    if reason:
        return reason
    if not committed.certificate:
        return "commit certificate is empty"
    cert_round = committed.certificate[0].round
    if cert_round < block.header.round:
        return "commit certificate is older than the block's round"
    return certificate_error(
        config, committed.certificate, COMMIT, block.height, cert_round, block.block_hash
    )
