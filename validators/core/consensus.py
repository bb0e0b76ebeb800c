"""The validator consensus state machine (docs/consensus.md), pure: no Django, I/O or clock.

A `ConsensusNode` takes inputs -- `on_tick(now_ms)`, `on_message(now_ms, message)`,
`on_block(now_ms, committed, peer)` -- and returns actions (validators.core.actions) for its
host to carry out in order. What makes a block or a message valid is in
validators.core.rules.

Protocol per height h (proposer for round r is validators[(h + r) % N], quorum q):
1. The round's proposer sends PROPOSAL(block); round 0 at parent.timestamp + interval,
   round r > 0 once it holds q ROUND_CHANGE messages for r (its justification).
2. A validator that accepts the proposal signs PREPARE(h, r, hash).
3. q PREPAREs for (r, hash) lock the block: the validator will prepare only that block in
   later rounds unless shown a higher-round prepare certificate, and signs COMMIT(h, r, hash).
4. q COMMITs for one (r, hash) make the block final; it is stored with those q signatures.
5. On timeout a validator moves to r + 1 and sends ROUND_CHANGE carrying its lock; the new
   proposer must re-propose the highest prepared block among the q round changes it uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from evcrypto.encoding import canonical_json
from validators.core.actions import (
    Action,
    CommitBlock,
    EvidenceFound,
    FetchBlocks,
    Persist,
    Rejected,
    RoundChanged,
    Send,
    UpdateCertificate,
)
from validators.core.blocks import Block, build_block
from validators.core.keys import SigningKey
from validators.core.messages import (
    COMMIT,
    PHASE_RANK,
    PREPARE,
    PROPOSAL,
    CommittedBlock,
    ConsensusVote,
    Message,
    Proposal,
    RoundChange,
)
from validators.core.rules import (
    ConsensusConfig,
    Head,
    certificate_error,
    committed_block_error,
    header_error,
    signature_valid,
)

FUTURE_BUFFER_LIMIT = 512
# The last commit's latency lengthens round 0 of the next height only for a block of at least
# this many transactions (docs/consensus.md, "Timeouts").
LOAD_SLACK_MIN_TXS = 200


class Application(Protocol):
    """What the host supplies: transactions to propose and the stateful block check."""

    def transactions_for_block(self, height: int, limit: int) -> tuple[Any, ...]: ...

    def block_transactions_error(self, block: Block) -> str | None: ...


# ----------------------------------------------------------------------------- durable state


@dataclass
class Lock:
    round: int
    block: Block
    certificate: tuple[ConsensusVote, ...]

    @property
    def block_hash(self) -> str:
        return self.block.block_hash


@dataclass
class HeightState:
    """Everything collected at the current height; dropped when the height commits."""

    height: int
    round: int = 0
    round_started_ms: int = 0
    entered_ms: int = 0
    lock: Lock | None = None
    proposals: dict[int, Proposal] = field(default_factory=dict)
    blocks: dict[str, Block] = field(default_factory=dict)
    votes: dict[tuple[str, int, str], ConsensusVote] = field(
        default_factory=dict
    )  # (phase, round, validator)
    round_changes: dict[int, dict[str, RoundChange]] = field(default_factory=dict)
    seen: dict[tuple[str, int, str], Message] = field(
        default_factory=dict
    )  # (validator, round, phase)
    sent: dict[tuple[int, str], Message] = field(default_factory=dict)
    refused: set[tuple[int, str]] = field(default_factory=set)  # (round, phase) not to retry
    proposal_seen_ms: dict[str, int] = field(default_factory=dict)


# ----------------------------------------------------------------------------- the node


class ConsensusNode:
    def __init__(
        self,
        config: ConsensusConfig,
        node_id: str,
        key: SigningKey,
        app: Application,
        head: Head,
        now_ms: int,
        durable: dict[str, Any] | None = None,
        head_certificate: tuple[ConsensusVote, ...] = (),
    ) -> None:
        self.config = config
        self.node_id = node_id
        self.key = key
        self.app = app
        self.head = head
        self.head_round = head_certificate[0].round if head_certificate else 0
        self.head_commits: dict[str, ConsensusVote] = {v.validator: v for v in head_certificate}
        self.head_certificate: tuple[ConsensusVote, ...] = head_certificate
        self.last_signed: tuple[int, int, int, str] | None = None
        self.evidence_count = 0
        self._evidence_keys: set[tuple[str, int, int, str]] = set()
        self._future: list[Message] = []
        self._resume_needed = False
        self._last_broadcast_ms = now_ms
        self._last_fetch_ms: int | None = None  # None until the first fetch
        self._last_heard = ""  # the validator whose valid message came in last
        self._helped_ms: dict[
            str, int
        ] = {}  # validator -> when it was last sent the head's certificate
        self._load_slack_ms = 0
        self.state = HeightState(head.height + 1, entered_ms=now_ms)
        self.state.round_started_ms = self._round0_target(now_ms)
        if durable:
            self._restore(durable, now_ms)

    # --------------------------------------------------------------- persistence

    def durable_state(self) -> dict[str, Any]:
        """What must survive a crash, but for the locked block itself (megabytes), which
        `Persist` carries only when the lock changes."""
        lock = self.state.lock
        own = [
            m.to_dict() for (r, phase), m in self.state.sent.items() if phase in (PREPARE, COMMIT)
        ]
        state: dict[str, Any] = {
            "height": self.state.height,
            "round": self.state.round,
            "last_signed": list(self.last_signed) if self.last_signed else None,
            "lock": None
            if lock is None
            else {
                "round": lock.round,
                "block_hash": lock.block_hash,
                "certificate": [v.to_dict() for v in lock.certificate],
            },
            "own_votes": own,
        }
        return state

    def _restore(self, durable: dict[str, Any], now_ms: int) -> None:
        signed = durable.get("last_signed")
        if signed:
            self.last_signed = (int(signed[0]), int(signed[1]), int(signed[2]), str(signed[3]))
        if durable.get("height") != self.state.height:
            return  # the height committed since the snapshot: nothing of it still matters
        self.state.round = int(durable.get("round", 0))
        self.state.round_started_ms = now_ms if self.state.round else self.state.round_started_ms
        lock = durable.get("lock")
        if lock:
            block = Block.from_dict(durable["lock_block"])
            if block.block_hash != lock["block_hash"]:
                raise ValueError("durable state: the stored lock block is not the locked block")
            certificate = tuple(ConsensusVote.from_dict(v) for v in lock["certificate"])
            self.state.lock = Lock(int(lock["round"]), block, certificate)
            self.state.blocks[block.block_hash] = block
        for data in durable.get("own_votes", []):
            vote = ConsensusVote.from_dict(data)
            self.state.sent[(vote.round, vote.phase)] = vote
            self._record_vote(vote)

    # --------------------------------------------------------------- inputs

    @property
    def height(self) -> int:
        return self.state.height

    @property
    def round(self) -> int:
        return self.state.round

    def deadline_ms(self) -> int:
        timeout = self.config.round_timeout_ms(self.state.round)
        if self.state.round == 0:
            timeout += self._load_slack_ms
        return self.state.round_started_ms + timeout

    def on_tick(self, now_ms: int) -> list[Action]:
        out = self._resume(now_ms)
        if self._last_fetch_ms is None:
            # A node (re)started after its peers committed asks them once for what it missed,
            # instead of waiting for a message of a later height, which may be a round away.
            out += self._fetch(now_ms, self._peer_to_ask())
        if now_ms >= self.deadline_ms():
            out += self._start_round(now_ms, self.state.round + 1, "timeout")
            # A round that ran out may mean the others moved on without this node.
            out += self._fetch(now_ms, self._peer_to_ask())
        out += self._maybe_propose(now_ms)
        if now_ms - self._last_broadcast_ms >= self.config.interval_ms:
            self._last_broadcast_ms = now_ms
            out += self._rebroadcast()
        return out

    def holds_proposal(self, envelope: Proposal) -> bool:
        """Whether this exact proposal (height, round, block hash) was accepted already, so a
        host can skip decoding a re-sent copy's transactions. A different block for the same
        slot is not "held": it must reach on_message, which keeps the evidence."""
        accepted = self.state.proposals.get(envelope.round)
        return (
            envelope.height == self.state.height
            and accepted is not None
            and accepted.block_hash == envelope.block_hash
        )

    def on_message(self, now_ms: int, message: Message) -> list[Action]:
        return self._resume(now_ms) + self._handle(now_ms, message)

    def on_incomplete_proposal(self, now_ms: int, envelope: Proposal) -> list[Action]:
        """A proposal whose transactions the host could not get (a compact one naming
        transactions nobody gave): it is never prepared, but its signature over the block
        hash still counts, so a proposer that signed two blocks for one slot is caught even
        when one of them cannot be filled in."""
        out = self._resume(now_ms)
        refused = self._unauthentic(envelope)
        if refused or envelope.height != self.state.height or self._resume_needed:
            return out + refused
        return out + self._equivocation_caught(envelope)

    def on_block(self, now_ms: int, committed: CommittedBlock, peer: str = "") -> list[Action]:
        """A committed block fetched from a peer: verified in full, the peer is not trusted.

        One block per call: the host stores it (CommitBlock) before handing in the next, so
        the next block's transactions are checked against a chain that holds this one.
        """
        out = self._resume(now_ms)
        block = committed.block
        if block.height != self.head.height + 1:
            return out
        reason = committed_block_error(self.config, self.head, committed)
        if reason is None:
            reason = self.app.block_transactions_error(block)
        if reason:
            return out + [Rejected(peer, "BLOCK", block.height, block.header.round, reason)]
        return out + self._finalize(now_ms, committed)

    def _resume(self, now_ms: int) -> list[Action]:
        """Work held back at a commit until the host had stored the block: buffered
        next-height messages, and proposing."""
        if not self._resume_needed:
            return []
        self._resume_needed = False
        # The height (still in round 0: nothing reaches it before this) starts once the host
        # has stored the last block: storing thousands of transactions can take a good part of
        # an interval, and that time is not the next proposer's to lose.
        self.state.entered_ms = now_ms
        self.state.round_started_ms = self._round0_target(now_ms)
        out: list[Action] = []
        future, self._future = self._future, []
        for message in future:
            out += self._handle(now_ms, message)
        return out + self._maybe_propose(now_ms)

    def _unauthentic(self, message: Message) -> list[Action]:
        """The rejection of a message not signed by a validator in the set; for a signed one,
        nothing (its sender is noted as heard from)."""
        if not signature_valid(self.config, message):
            return [self._reject(message, "bad signature or unknown validator")]
        if message.validator != self.node_id:
            self._last_heard = message.validator
        return []

    def _equivocation_caught(self, message: Message) -> list[Action]:
        """Evidence and the rejection when the message conflicts with one its sender signed
        earlier for the same slot; nothing otherwise."""
        evidence = self._equivocation(message)
        if evidence is None:
            return []
        return [evidence, self._reject(message, "equivocation: conflicts with an earlier message")]

    def _handle(self, now_ms: int, message: Message) -> list[Action]:
        refused = self._unauthentic(message)
        if refused:
            return refused
        if message.height <= self.head.height:
            return self._on_stale(message) + self._help_behind(now_ms, message)
        if message.height > self.state.height or self._resume_needed:
            return self._on_future(now_ms, message)
        caught = self._equivocation_caught(message)
        if caught:
            return caught
        if isinstance(message, Proposal):
            return self._on_proposal(now_ms, message)
        if isinstance(message, RoundChange):
            return self._on_round_change(now_ms, message)
        return self._on_vote(now_ms, message)

    # --------------------------------------------------------------- message handlers

    def _reject(self, message: Message, reason: str) -> Rejected:
        return Rejected(message.validator, message.phase, message.height, message.round, reason)

    def _on_stale(self, message: Message) -> list[Action]:
        """Late COMMITs for the head can complete its canonical certificate; others are dropped."""
        if not (isinstance(message, ConsensusVote) and message.phase == COMMIT):
            return []
        if (message.height, message.round, message.block_hash) != (
            self.head.height,
            self.head_round,
            self.head.block_hash,
        ):
            return []
        self.head_commits[message.validator] = message
        certificate = self._canonical(list(self.head_commits.values()))
        if len(certificate) < self.config.quorum or certificate == self.head_certificate:
            return []
        self.head_certificate = certificate
        return [UpdateCertificate(self.head.height, certificate)]

    def _help_behind(self, now_ms: int, message: Message) -> list[Action]:
        """A validator still working on our head's height (its message says so) may have
        missed the COMMITs that made it final: once we move on, our own messages for that
        height are no longer re-sent. Give it the head's certificate, at most once an
        interval, so it commits now instead of when its round runs out and it catches up."""
        sender = message.validator
        if message.height != self.head.height or sender == self.node_id:
            return []
        last = self._helped_ms.get(sender)
        if last is not None and now_ms - last < self.config.interval_ms:
            return []
        self._helped_ms[sender] = now_ms
        return [Send(vote, to=sender) for vote in self.head_certificate if vote.validator != sender]

    def _on_future(self, now_ms: int, message: Message) -> list[Action]:
        if message.height <= self.state.height + 1 and len(self._future) < FUTURE_BUFFER_LIMIT:
            self._future.append(message)
        if message.height == self.state.height:
            return []  # only waiting for the host to store the block just committed
        return self._fetch(now_ms, message.validator)

    def _peer_to_ask(self) -> str:
        """The validator heard from last, else the one after this node in the set."""
        if self._last_heard:
            return self._last_heard
        ids = [validator for validator, _ in self.config.validators]
        mine = ids.index(self.node_id) if self.node_id in ids else -1
        return ids[(mine + 1) % len(ids)]

    def _fetch(self, now_ms: int, peer: str) -> list[Action]:
        """Ask a peer for committed blocks from our height on, at most twice an interval."""
        last = self._last_fetch_ms
        if peer == self.node_id or (
            last is not None and now_ms - last < self.config.interval_ms // 2
        ):
            return []
        self._last_fetch_ms = now_ms
        return [FetchBlocks(peer, self.state.height)]

    def _equivocation(self, message: Message) -> EvidenceFound | None:
        key = (message.validator, message.round, message.phase)
        earlier = self.state.seen.get(key)
        if earlier is None:
            self.state.seen[key] = message
            return None
        chain = self.config.chain_id
        if earlier.signed_dict(chain) == message.signed_dict(chain):
            return None
        evidence_key = (message.validator, message.height, message.round, message.phase)
        if evidence_key in self._evidence_keys:
            return None
        self._evidence_keys.add(evidence_key)
        self.evidence_count += 1
        return EvidenceFound(
            message.validator,
            message.height,
            message.round,
            message.phase,
            _evidence_form(earlier),
            _evidence_form(message),
        )

    def _on_proposal(self, now_ms: int, proposal: Proposal) -> list[Action]:
        if proposal.validator != self.config.proposer_for(proposal.height, proposal.round):
            return [self._reject(proposal, "wrong proposer for this height and round")]
        if proposal.round < self.state.round:
            return [self._reject(proposal, f"old round (now in round {self.state.round})")]
        accepted = self.state.proposals.get(proposal.round)
        if accepted is not None:
            return []
        reason = self._proposal_error(now_ms, proposal)
        if reason:
            return [self._reject(proposal, reason)]
        out: list[Action] = []
        if proposal.round > self.state.round:
            out.append(RoundChanged(self.state.height, proposal.round, "justified proposal"))
            self.state.round = proposal.round
            self.state.round_started_ms = now_ms
        out += self._accept_proposal(now_ms, proposal)
        return out

    def _accept_proposal(self, now_ms: int, proposal: Proposal) -> list[Action]:
        block_hash = proposal.block_hash
        self.state.proposals[proposal.round] = proposal
        self.state.blocks[block_hash] = proposal.block
        self.state.proposal_seen_ms.setdefault(block_hash, now_ms)
        if proposal.round == self.state.round:
            # The proposer is alive and its block checked out: the votes get another interval
            # on top of the round's timeout, counted from here. A big block under load can take
            # longer than an interval to arrive and check; timing the round out then would
            # throw that work away and start a round just as heavy. A dead proposer sends
            # nothing, so the timeouts that bound a crash stay as they were.
            extended = now_ms + self.config.interval_ms
            self.state.round_started_ms = max(self.state.round_started_ms, extended)
        out = self._sign_and_send(
            ConsensusVote(PREPARE, proposal.height, proposal.round, block_hash, self.node_id, "")
        )
        return out + self._check_thresholds(now_ms, proposal.round, block_hash)

    def _proposal_error(self, now_ms: int, proposal: Proposal) -> str | None:
        block = proposal.block
        header = block.header
        if header.height != proposal.height:
            return "block height differs from the proposal height"
        reason = header_error(self.config, self.head, block)
        if reason:
            return reason
        if header.round > proposal.round:
            return "block round is later than the proposal round"
        if header.timestamp_ms > now_ms + self.config.max_skew_ms:
            return "timestamp is in the future"
        justified_round, reason = self._justification(proposal)
        if reason:
            return reason
        lock = self.state.lock
        if (
            lock is not None
            and lock.block_hash != block.block_hash
            and justified_round <= lock.round
        ):
            return f"locked on another block prepared in round {lock.round}"
        return self.app.block_transactions_error(block)

    def _justification(self, proposal: Proposal) -> tuple[int, str | None]:
        """(highest prepared round in the round-change certificate or -1, reason or None)."""
        header = proposal.block.header
        if proposal.round == 0:
            return -1, None if header.round == 0 else "round 0 proposal of a later-round block"
        signers = set()
        highest: RoundChange | None = None
        for rc in proposal.round_change_certificate:
            if (rc.height, rc.round) != (proposal.height, proposal.round):
                return -1, "round-change certificate holds a message for another round"
            if not signature_valid(self.config, rc):
                return -1, "round-change certificate holds an invalid signature"
            reason = self._prepared_error(rc)
            if reason:
                return -1, reason
            signers.add(rc.validator)
            if rc.prepared_round >= 0 and (
                highest is None or rc.prepared_round > highest.prepared_round
            ):
                highest = rc
        if len(signers) < self.config.quorum:
            return -1, "round-change certificate is short of a quorum"
        if highest is None:
            if header.round != proposal.round:
                return -1, "a fresh block must carry the proposal round"
            return -1, None
        if highest.prepared_hash != proposal.block_hash:
            return -1, "does not re-propose the highest prepared block"
        return highest.prepared_round, None

    def _prepared_error(self, rc: RoundChange) -> str | None:
        if rc.prepared_round < 0:
            return None
        if rc.prepared_round >= rc.round:
            return "prepared round is not before the round change"
        return certificate_error(
            self.config,
            rc.prepared_certificate,
            PREPARE,
            rc.height,
            rc.prepared_round,
            rc.prepared_hash,
        )

    def _on_vote(self, now_ms: int, vote: ConsensusVote) -> list[Action]:
        self._record_vote(vote)
        return self._check_thresholds(now_ms, vote.round, vote.block_hash)

    def _record_vote(self, vote: ConsensusVote) -> None:
        self.state.votes[(vote.phase, vote.round, vote.validator)] = vote

    def _on_round_change(self, now_ms: int, rc: RoundChange) -> list[Action]:
        if rc.round < 1:
            return [self._reject(rc, "round change to round 0")]
        reason = self._prepared_error(rc)
        block = rc.prepared_block
        if reason is None and block is not None and block.block_hash != rc.prepared_hash:
            reason = "prepared block does not match the prepared hash"
        if reason:
            return [self._reject(rc, reason)]
        if block is not None:
            self.state.blocks.setdefault(block.block_hash, block)
        self.state.round_changes.setdefault(rc.round, {})[rc.validator] = rc
        out: list[Action] = []
        skip_to = self._round_to_skip_to()
        if skip_to is not None:
            out += self._start_round(now_ms, skip_to, "round changes from peers")
        return out + self._maybe_propose(now_ms)

    def _round_to_skip_to(self) -> int | None:
        """Join a later round once a weak quorum (N - q + 1) of validators is past ours."""
        latest: dict[str, int] = {}
        for round_, senders in self.state.round_changes.items():
            if round_ > self.state.round:
                for sender in senders:
                    latest[sender] = max(latest.get(sender, 0), round_)
        rounds = sorted(latest.values(), reverse=True)
        if len(rounds) < self.config.weak_quorum:
            return None
        return rounds[self.config.weak_quorum - 1]

    # --------------------------------------------------------------- thresholds and commit

    def _votes_for(self, phase: str, round_: int, block_hash: str) -> list[ConsensusVote]:
        return [
            v
            for (p, r, _), v in self.state.votes.items()
            if p == phase and r == round_ and v.block_hash == block_hash
        ]

    def _canonical(self, votes: list[ConsensusVote]) -> tuple[ConsensusVote, ...]:
        """The certificate every node converges on: the first q signers in validator order."""
        ordered = sorted(votes, key=lambda v: self.config.index(v.validator))
        return tuple(ordered[: self.config.quorum])

    def _check_thresholds(self, now_ms: int, round_: int, block_hash: str) -> list[Action]:
        commits = self._votes_for(COMMIT, round_, block_hash)
        if len(commits) >= self.config.quorum:
            return self._on_quorum_of_commits(now_ms, round_, block_hash, commits)
        prepares = self._votes_for(PREPARE, round_, block_hash)
        if len(prepares) < self.config.quorum or block_hash not in self.state.blocks:
            return []
        out: list[Action] = []
        lock = self.state.lock
        if lock is None or lock.round < round_:
            self.state.lock = Lock(round_, self.state.blocks[block_hash], self._canonical(prepares))
            out.append(Persist(self.durable_state(), self.state.lock.block))
        proposal = self.state.proposals.get(round_)
        if (
            round_ == self.state.round
            and proposal is not None
            and proposal.block_hash == block_hash
            and (round_, COMMIT) not in self.state.sent
        ):
            out += self._sign_and_send(
                ConsensusVote(COMMIT, self.state.height, round_, block_hash, self.node_id, "")
            )
            out += self._check_thresholds(now_ms, round_, block_hash)  # our commit may be the q-th
        return out

    def _on_quorum_of_commits(
        self, now_ms: int, round_: int, block_hash: str, commits: list[ConsensusVote]
    ) -> list[Action]:
        block = self.state.blocks.get(block_hash)
        if block is None:  # final, but we never saw the block: fetch it with its certificate
            return self._fetch(now_ms, commits[0].validator)
        return self._finalize(now_ms, CommittedBlock(block, self._canonical(commits)))

    def _finalize(self, now_ms: int, committed: CommittedBlock) -> list[Action]:
        block = committed.block
        seen = self.state.proposal_seen_ms.get(block.block_hash)
        # Round 0 waits longer by what the last commit took here from proposal to commit (up
        # to two intervals): under load a proposal takes longer to arrive and check, and a
        # round change then costs more than waiting. An idle network commits in a fraction of
        # an interval, so the crash bounds barely move.
        # Only a block large enough for its own handling to take time says anything about
        # load: a small block committed late was held up by lost messages, and a longer round
        # 0 would only leave this node a round behind peers that moved on without it.
        latency = now_ms - seen if seen is not None else 0
        if block.header.tx_count < LOAD_SLACK_MIN_TXS:
            latency = 0
        self._load_slack_ms = min(max(latency, 0), 2 * self.config.interval_ms)
        self.head = Head(block.height, block.block_hash, block.header.timestamp_ms)
        self.head_round = committed.certificate[0].round
        self.head_commits = {v.validator: v for v in committed.certificate}
        self.head_commits.update(
            {v.validator: v for v in self._votes_for(COMMIT, self.head_round, block.block_hash)}
        )
        self.head_certificate = committed.certificate
        self.state = HeightState(block.height + 1, entered_ms=now_ms)
        self.state.round_started_ms = self._round0_target(now_ms)
        self._resume_needed = True
        out: list[Action] = [CommitBlock(committed, seen), Persist(self.durable_state())]
        if block.parent_certificate:  # the child fixes the parent's certificate for everyone
            parent = tuple(ConsensusVote.from_dict(v) for v in block.parent_certificate)
            out.append(UpdateCertificate(block.height - 1, parent))
        return out

    def _round0_target(self, now_ms: int) -> int:
        return max(self.head.timestamp_ms + self.config.interval_ms, self.state.entered_ms)

    # --------------------------------------------------------------- rounds and proposing

    def _start_round(self, now_ms: int, round_: int, reason: str) -> list[Action]:
        self.state.round = round_
        self.state.round_started_ms = now_ms
        out: list[Action] = [RoundChanged(self.state.height, round_, reason)]
        lock = self.state.lock
        rc = RoundChange(
            self.state.height,
            round_,
            self.node_id,
            prepared_round=lock.round if lock else -1,
            prepared_hash=lock.block_hash if lock else "",
            signature="",
            prepared_certificate=lock.certificate if lock else (),
            prepared_block=lock.block if lock else None,
        )
        signed = self._sign(rc)
        if signed is None:
            return out + [self._refusal(rc)]
        assert isinstance(signed, RoundChange)
        self.state.round_changes.setdefault(round_, {})[self.node_id] = signed
        out += [Persist(self.durable_state()), *self._round_change_sends(signed)]
        return out + self._maybe_propose(now_ms)

    def _maybe_propose(self, now_ms: int) -> list[Action]:
        state = self.state
        if self._resume_needed:
            return []
        if self.config.proposer_for(state.height, state.round) != self.node_id:
            return []
        if state.round in state.proposals or (state.round, PROPOSAL) in state.sent:
            return []
        if (state.round, PROPOSAL) in state.refused:
            return []  # we proposed another block here before a restart; wait for the round
        if state.round == 0:
            if now_ms < self.head.timestamp_ms + self.config.interval_ms:
                return []
            return self._propose(now_ms, self._fresh_block(now_ms, 0), ())
        round_changes = tuple(state.round_changes.get(state.round, {}).values())
        if len(round_changes) < self.config.quorum:
            return []
        highest = max(round_changes, key=lambda rc: rc.prepared_round)
        if highest.prepared_round < 0:
            block = self._fresh_block(now_ms, state.round)
        elif highest.prepared_hash in state.blocks:
            block = state.blocks[highest.prepared_hash]
        else:
            return []  # wait for a round change that carries the prepared block
        justification = tuple(replace(rc, prepared_block=None) for rc in round_changes)
        return self._propose(now_ms, block, justification)

    def _fresh_block(self, now_ms: int, round_: int) -> Block:
        transactions = tuple(
            self.app.transactions_for_block(self.state.height, self.config.max_block_txs)
        )
        timestamp = max(now_ms, self.head.timestamp_ms + self.config.interval_ms)
        return build_block(
            self.config.chain_id,
            self.state.height,
            round_,
            timestamp,
            self.head.block_hash,
            self.node_id,
            transactions,
            tuple(v.to_dict() for v in self.head_certificate),
        )

    def _propose(
        self, now_ms: int, block: Block, justification: tuple[RoundChange, ...]
    ) -> list[Action]:
        proposal = Proposal(
            self.state.height, self.state.round, block, self.node_id, "", justification
        )
        out = self._sign_and_send(proposal)
        if not any(isinstance(a, Send) for a in out):
            return out
        signed = next(a.message for a in out if isinstance(a, Send))
        assert isinstance(signed, Proposal)
        self.state.seen[(self.node_id, signed.round, PROPOSAL)] = signed
        return out + self._accept_proposal(now_ms, signed)

    # --------------------------------------------------------------- signing

    def _sign(self, message: Message) -> Message | None:
        """Sign unless it conflicts with what this node signed before (then None)."""
        rank = PHASE_RANK[message.phase]
        position = (message.height, message.round, rank)
        if self.last_signed is not None:
            last_position, last_hash = self.last_signed[:3], self.last_signed[3]
            if position < last_position:
                return None
            if position == last_position and message.block_hash != last_hash:
                return None
        self.last_signed = (*position, message.block_hash)
        signature = self.key.sign(canonical_json(message.signed_dict(self.config.chain_id)))
        return replace(message, signature=signature)

    def _refusal(self, message: Message) -> Rejected:
        return Rejected(
            self.node_id,
            message.phase,
            message.height,
            message.round,
            "refused to sign: conflicts with the last signed message",
        )

    def _sign_and_send(self, message: Message) -> list[Action]:
        signed = self._sign(message)
        if signed is None:
            self.state.refused.add((message.round, message.phase))
            return [self._refusal(message)]
        self.state.sent[(signed.round, signed.phase)] = signed
        if isinstance(signed, ConsensusVote):
            self._record_vote(signed)
        return [Persist(self.durable_state()), Send(signed)]

    def _resend_proposal(self, proposal: Message) -> list[Action]:
        """A proposal can be megabytes: send it again only to validators that have not
        prepared it yet."""
        if proposal.round != self.state.round:
            return []
        prepared = {
            v for (p, r, v) in self.state.votes if p in (PREPARE, COMMIT) and r == proposal.round
        }
        return [
            Send(proposal, to=node_id)
            for node_id, _ in self.config.validators
            if node_id != self.node_id and node_id not in prepared
        ]

    def _rebroadcast(self) -> list[Action]:
        """Re-send this height's own messages (lost messages are the normal case)."""
        state = self.state
        out: list[Action] = []
        for (round_, phase), message in state.sent.items():
            if phase == PROPOSAL:
                out += self._resend_proposal(message)
            elif round_ == state.round or phase == COMMIT:
                out.append(Send(message))
        own_rc = state.round_changes.get(state.round, {}).get(self.node_id)
        if own_rc is not None:
            out += self._round_change_sends(own_rc)
        return out

    def _round_change_sends(self, rc: RoundChange) -> list[Action]:
        """Only the round's proposer needs the prepared block (it may have to re-propose it);
        the others get the signed message without the megabytes."""
        proposer = self.config.proposer_for(rc.height, rc.round)
        light = replace(rc, prepared_block=None)
        return [
            Send(rc if node_id == proposer else light, to=node_id)
            for node_id, _ in self.config.validators
            if node_id != self.node_id
        ]


def _evidence_form(message: Message) -> dict[str, Any]:
    if isinstance(message, Proposal):
        data = message.to_dict()
        data["block"] = {"header": message.block.header.to_dict()}
        data["round_change_certificate"] = []
        return data
    if isinstance(message, RoundChange):
        return replace(message, prepared_block=None, prepared_certificate=()).to_dict()
    return message.to_dict()
