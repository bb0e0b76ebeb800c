"""A seeded discrete-event simulator for the consensus core.

Virtual clock, per-message random delay (so messages reorder), message loss, partitions, and
crash/restart of nodes with only their persisted state. Every run is reproducible from its
seed and scenario; `Simulation.replay_hint` says how to rerun one.
"""

from __future__ import annotations

import hashlib
import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from evcrypto.encoding import canonical_json
from validators.core.actions import (
    CommitBlock,
    EvidenceFound,
    FetchBlocks,
    Persist,
    Rejected,
    Send,
    UpdateCertificate,
)
from validators.core.blocks import (
    Block,
    ChainIndex,
    Transaction,
    block_transactions_error,
)
from validators.core.consensus import ConsensusNode
from validators.core.keys import SigningKey
from validators.core.messages import COMMIT, CommittedBlock, ConsensusVote, Message
from validators.core.rules import ConsensusConfig, Head, committed_block_error

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Partition:
    start_ms: int
    end_ms: int
    groups: tuple[frozenset[str], ...]  # node names; names in different groups cannot talk

    def blocks(self, now_ms: int, a: str, b: str) -> bool:
        if not self.start_ms <= now_ms < self.end_ms:
            return False
        return not any(a in group and b in group for group in self.groups)


@dataclass(frozen=True)
class Crash:
    node: str
    start_ms: int
    end_ms: int  # restart time; beyond the run's end means it never comes back


@dataclass(frozen=True)
class LostCommits:
    """Every COMMIT vote `source` sends to `target` in [start_ms, end_ms) is lost."""

    source: str
    target: str
    start_ms: int
    end_ms: int


@dataclass
class Scenario:
    validators: int = 3
    interval_ms: int = 1000
    tick_ms: int = 200
    duration_ms: int = 30_000
    min_delay_ms: int = 2
    max_delay_ms: int = 40
    drop_rate: float = 0.0
    drop_until_ms: int = 0
    partitions: list[Partition] = field(default_factory=list)
    crashes: list[Crash] = field(default_factory=list)
    twins: tuple[str, ...] = ()  # validator ids that run on two nodes with one key
    lost_commits: list[LostCommits] = field(default_factory=list)
    tx_per_second: int = 2


def key_for(seed: int, validator: str) -> SigningKey:
    digest = hashlib.sha256(f"sim-key/{seed}/{validator}".encode()).digest()
    return SigningKey.from_seed(digest)


class SimChain(ChainIndex):
    def __init__(self) -> None:
        self.blocks: list[CommittedBlock] = []
        self.commit_times: list[int] = []
        self.tx_ids: set[str] = set()
        self.voters: set[tuple[str, str]] = set()

    def has_transaction(self, tx_id: str) -> bool:
        return tx_id in self.tx_ids

    def has_voter(self, election_id: str, voter_pseudonym: str) -> bool:
        return (election_id, voter_pseudonym) in self.voters

    def append(self, committed: CommittedBlock, now_ms: int) -> None:
        assert committed.block.height == len(self.blocks) + 1, "committed out of order"
        self.blocks.append(committed)
        self.commit_times.append(now_ms)
        for tx in committed.block.transactions:
            self.tx_ids.add(tx.tx_id)
            self.voters.add((tx.election_id, tx.voter_pseudonym))

    def head(self) -> Head:
        if not self.blocks:
            return Head(0, GENESIS_HASH, 0)
        header = self.blocks[-1].block.header
        return Head(header.height, header.block_hash, header.timestamp_ms)


class SimApp:
    """The host application of one simulated node: a mempool over its chain."""

    def __init__(self, chain: SimChain, submitter_keys: frozenset[str]) -> None:
        self.chain = chain
        self.mempool: dict[str, Transaction] = {}
        self.submitter_keys = submitter_keys

    def transactions_for_block(self, height: int, limit: int) -> tuple[Transaction, ...]:
        chosen: list[Transaction] = []
        voters: set[tuple[str, str]] = set()
        for tx in self.mempool.values():
            voter = (tx.election_id, tx.voter_pseudonym)
            if (
                self.chain.has_transaction(tx.tx_id)
                or self.chain.has_voter(*voter)
                or voter in voters
            ):
                continue
            chosen.append(tx)
            voters.add(voter)
            if len(chosen) == limit:
                break
        return tuple(chosen)

    def block_transactions_error(self, block: Block) -> str | None:
        return block_transactions_error(block, self.chain, self.submitter_keys, 65536)


class SimNode:
    def __init__(
        self,
        name: str,
        validator: str,
        key: SigningKey,
        config: ConsensusConfig,
        submitter_keys: frozenset[str],
    ) -> None:
        self.name = name
        self.validator = validator
        self.key = key
        self.config = config
        self.chain = SimChain()
        self.app = SimApp(self.chain, submitter_keys)
        self.durable: dict[str, Any] | None = None
        self.up = True
        self.core: ConsensusNode | None = None
        self.signed: list[Message] = []

    def start(self, now_ms: int) -> None:
        self.up = True
        certificate = self.chain.blocks[-1].certificate if self.chain.blocks else ()
        self.core = ConsensusNode(
            self.config,
            self.validator,
            self.key,
            self.app,
            self.chain.head(),
            now_ms,
            self.durable,
            certificate,
        )

    def crash(self) -> None:
        self.up = False
        self.core = None


class Simulation:
    def __init__(self, seed: int, scenario: Scenario) -> None:
        self.seed = seed
        self.scenario = scenario
        self.rng = random.Random(seed)
        self.now_ms = 0
        self._queue: list[tuple[int, int, Callable[[], None]]] = []
        self._sequence = 0
        self.evidence: list[EvidenceFound] = []
        self.rejections: list[Rejected] = []
        ids = [f"v{i}" for i in range(scenario.validators)]
        keys = {v: key_for(seed, v) for v in ids}
        self.submitter = key_for(seed, "submitter")
        self.config = ConsensusConfig(
            chain_id="sim",
            validators=tuple((v, keys[v].public_key) for v in ids),
            quorum=scenario.validators // 2 + 1
            if not scenario.twins
            else 2 * scenario.validators // 3 + 1,
            interval_ms=scenario.interval_ms,
            max_block_txs=50,
        )
        submitters = frozenset({self.submitter.public_key})
        self.nodes: dict[str, SimNode] = {}
        for v in ids:
            self.nodes[v] = SimNode(v, v, keys[v], self.config, submitters)
            if v in scenario.twins:
                self.nodes[v + "-twin"] = SimNode(v + "-twin", v, keys[v], self.config, submitters)
        self._tx_counter = 0

    @property
    def replay_hint(self) -> str:
        return f"Simulation(seed={self.seed}, scenario={self.scenario!r}).run()"

    # ------------------------------------------------------------------ scheduling

    def at(self, time_ms: int, event: Callable[[], None]) -> None:
        self._sequence += 1
        heapq.heappush(self._queue, (time_ms, self._sequence, event))

    def run(self) -> Simulation:
        for node in self.nodes.values():
            offset = self.rng.randrange(self.scenario.tick_ms)
            self.at(0, node_starter(self, node))
            self.at(offset, ticker(self, node))
        for crash in self.scenario.crashes:
            self.at(crash.start_ms, self.nodes[crash.node].crash)
            if crash.end_ms < self.scenario.duration_ms:
                self.at(crash.end_ms, node_starter(self, self.nodes[crash.node]))
        self.at(0, self._submit_transactions)
        while self._queue:
            time_ms, _, event = heapq.heappop(self._queue)
            if time_ms > self.scenario.duration_ms:
                break
            self.now_ms = time_ms
            event()
        return self

    def _submit_transactions(self) -> None:
        if self.scenario.tx_per_second:
            for _ in range(max(1, self.scenario.tx_per_second // 5)):
                self._submit_one()
            self.at(self.now_ms + 200, self._submit_transactions)

    def _submit_one(self) -> None:
        self._tx_counter += 1
        voter = f"voter-{self.rng.randrange(max(2, self._tx_counter))}"  # some voters repeat
        tx = Transaction(
            f"tx-{self._tx_counter}",
            "e1",
            voter,
            "ballot",
            self.now_ms,
            self.submitter.public_key,
            "",
            chain_id=self.config.chain_id,
        )
        tx = Transaction(**{**tx.to_dict(), "signature": self.submitter.sign(tx.signing_bytes)})
        node = self.rng.choice(list(self.nodes.values()))
        node.app.mempool[tx.tx_id] = tx

    # ------------------------------------------------------------------ network

    def link_open(self, a: str, b: str) -> bool:
        return not any(p.blocks(self.now_ms, a, b) for p in self.scenario.partitions)

    def deliver_later(self, source: str, target: SimNode, event: Callable[[], None]) -> None:
        if not self.link_open(source, target.name):
            return
        if (
            self.now_ms < self.scenario.drop_until_ms
            and self.rng.random() < self.scenario.drop_rate
        ):
            return
        delay = self.rng.randint(self.scenario.min_delay_ms, self.scenario.max_delay_ms)

        def arrive() -> None:
            if target.up and self.link_open(source, target.name):
                event()

        self.at(self.now_ms + delay, arrive)

    def nodes_of(self, validator: str) -> list[SimNode]:
        return [n for n in self.nodes.values() if n.validator == validator]

    # ------------------------------------------------------------------ actions

    def carry_out(self, node: SimNode, actions: list[Any]) -> None:
        self._carry_out(node, actions)
        # A commit holds back the next height's work until the block is stored: resume now.
        if node.up and node.core is not None and any(isinstance(a, CommitBlock) for a in actions):
            self.carry_out(node, node.core.on_tick(self.now_ms))

    def _carry_out(self, node: SimNode, actions: list[Any]) -> None:
        for action in actions:
            if not node.up:
                return
            if isinstance(action, Persist):  # like a host: keep the last lock block given
                previous = (node.durable or {}).get("lock_block")
                lock_block = action.lock_block.to_dict() if action.lock_block else previous
                node.durable = {"lock_block": lock_block, **action.state}
            elif isinstance(action, Send):
                node.signed.append(action.message)
                self._send(node, action.message, action.to)
            elif isinstance(action, CommitBlock):
                node.chain.append(action.committed, self.now_ms)
                for tx in action.committed.block.transactions:
                    node.app.mempool.pop(tx.tx_id, None)
            elif isinstance(action, UpdateCertificate):
                index = action.height - 1
                committed = node.chain.blocks[index]
                node.chain.blocks[index] = CommittedBlock(committed.block, action.certificate)
            elif isinstance(action, FetchBlocks):
                self._fetch(node, action)
            elif isinstance(action, EvidenceFound):
                self.evidence.append(action)
            elif isinstance(action, Rejected):
                self.rejections.append(action)

    def _send(self, node: SimNode, message: Message, to: str | None) -> None:
        for target in self.nodes.values():
            if target.validator == node.validator or to not in (None, target.validator):
                continue
            if self._commit_lost(node.name, target.name, message):
                continue
            self.deliver_later(node.name, target, message_handler(self, target, message))

    def _commit_lost(self, source: str, target: str, message: Message) -> bool:
        if not (isinstance(message, ConsensusVote) and message.phase == COMMIT):
            return False
        return any(
            (lost.source, lost.target) == (source, target)
            and lost.start_ms <= self.now_ms < lost.end_ms
            for lost in self.scenario.lost_commits
        )

    def _fetch(self, node: SimNode, action: FetchBlocks) -> None:
        candidates = self.nodes_of(action.peer)
        if not candidates:
            return
        peer = self.rng.choice(candidates)

        def serve() -> None:
            blocks = list(peer.chain.blocks[action.from_height - 1 : action.from_height + 49])
            if blocks:
                self.deliver_later(
                    peer.name, node, blocks_handler(self, node, blocks, peer.validator)
                )

        self.deliver_later(node.name, peer, serve)


def node_starter(sim: Simulation, node: SimNode) -> Callable[[], None]:
    def start() -> None:
        node.start(sim.now_ms)

    return start


def ticker(sim: Simulation, node: SimNode) -> Callable[[], None]:
    def tick() -> None:
        if node.up and node.core is not None:
            sim.carry_out(node, node.core.on_tick(sim.now_ms))
        sim.at(sim.now_ms + sim.scenario.tick_ms, tick)

    return tick


def message_handler(sim: Simulation, node: SimNode, message: Message) -> Callable[[], None]:
    def handle() -> None:
        if node.core is not None:
            sim.carry_out(node, node.core.on_message(sim.now_ms, message))

    return handle


def blocks_handler(
    sim: Simulation, node: SimNode, blocks: list[CommittedBlock], peer: str
) -> Callable[[], None]:
    def handle() -> None:
        for committed in blocks:
            if node.core is None:
                return
            sim.carry_out(node, node.core.on_block(sim.now_ms, committed, peer))

    return handle


# ---------------------------------------------------------------------- invariants


def safety_violations(sim: Simulation) -> list[str]:
    """Agreement, valid certificates with the right proposer, no double signing by honest nodes."""
    return (
        _agreement(sim)
        + _certificates(sim)
        + _identical_certificates(sim)
        + _double_signing(sim)
        + _duplicate_ballots(sim)
    )


def _identical_certificates(sim: Simulation) -> list[str]:
    """Below every node's head, each block's stored certificate is the one its child names."""
    seen: dict[int, tuple[str, ...]] = {}
    problems = []
    for node in sim.nodes.values():
        for committed in node.chain.blocks[:-1]:
            height = committed.block.height
            certificate = tuple(v.to_dict()["signature"] for v in committed.certificate)
            if seen.setdefault(height, certificate) != certificate:
                problems.append(f"certificates differ at height {height} ({node.name})")
    return problems


def _agreement(sim: Simulation) -> list[str]:
    problems = []
    by_height: dict[int, set[str]] = {}
    for node in sim.nodes.values():
        for committed in node.chain.blocks:
            by_height.setdefault(committed.block.height, set()).add(committed.block.block_hash)
    for height, hashes in sorted(by_height.items()):
        if len(hashes) > 1:
            problems.append(f"agreement: height {height} committed as {sorted(hashes)}")
    return problems


def _certificates(sim: Simulation) -> list[str]:
    problems = []
    for node in sim.nodes.values():
        head = Head(0, GENESIS_HASH, 0)
        for committed in node.chain.blocks:
            reason = committed_block_error(sim.config, head, committed)
            if reason:
                problems.append(
                    f"certificate: {node.name} height {committed.block.height}: {reason}"
                )
            header = committed.block.header
            head = Head(header.height, header.block_hash, header.timestamp_ms)
    return problems


def _double_signing(sim: Simulation) -> list[str]:
    problems = []
    for node in sim.nodes.values():
        if node.validator in sim.scenario.twins:
            continue
        signed: dict[tuple[int, int, str], bytes] = {}
        for message in node.signed:
            key = (message.height, message.round, message.phase)
            content = canonical_json(message.signed_dict(sim.config.chain_id))
            if signed.setdefault(key, content) != content:
                problems.append(f"double signing: {node.name} at {key}")
    return problems


def _duplicate_ballots(sim: Simulation) -> list[str]:
    problems = []
    for node in sim.nodes.values():
        voters = [
            (tx.election_id, tx.voter_pseudonym)
            for committed in node.chain.blocks
            for tx in committed.block.transactions
        ]
        if len(voters) != len(set(voters)):
            problems.append(f"duplicate ballot on chain at {node.name}")
    return problems


def commit_times(sim: Simulation) -> list[int]:
    """When each height was first committed by any node."""
    first: dict[int, int] = {}
    for node in sim.nodes.values():
        for committed, time_ms in zip(node.chain.blocks, node.chain.commit_times, strict=True):
            height = committed.block.height
            first[height] = min(first.get(height, time_ms), time_ms)
    return [first[h] for h in sorted(first)]


def longest_gap_ms(times: list[int], start_ms: int, end_ms: int) -> int:
    """Longest stretch without a commit inside [start_ms, end_ms]."""
    points = [start_ms] + [t for t in times if start_ms <= t <= end_ms] + [end_ms]
    return max(b - a for a, b in zip(points, points[1:], strict=False))
