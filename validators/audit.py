"""Audit the validators' chain from outside: anyone holding genesis can run it.

    python -m validators.audit --genesis genesis.json --node URL [--node URL ...]
                               [--record record.json | record-dir]

It fetches every committed block from each node (GET /peer/blocks) and checks it as a node
checks a block from a peer: chain id, height, parent link, proposer for (height, round),
timestamps, transaction root, the parent's and the block's own commit certificates (q distinct
signatures of validators in genesis); and it checks every transaction's submitter signature
and that no transaction id or voter appears twice on the chain. The nodes must agree: each
chain is a prefix of the longest. With an election record (docs/election-record.md), the
record's ballots must be exactly that election's transactions on the chain: none dropped,
none added, each under its voter.

`read_certified` is the same check as a library: the backend's tally and the trustee command
both count only the ballots it certifies.

It prints one line per check, `ok   <check> (<detail>)` or `FAIL <check>: <reason>`, and exits
0 only if every check passes. It trusts no node: what it vouches for rests on genesis, whose
hash it prints so it can be compared with the published one. It imports no Django.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import requests

from evcrypto.encoding import parse_json
from evcrypto.errors import CryptoError
from evcrypto.record import read_record_file
from evcrypto.verify import CheckResult  # the same report lines as the record verifier
from validators.core.blocks import (
    ChainIndex,
    MalformedError,
    Transaction,
    block_transactions_error,
    genesis_hash,
)
from validators.core.genesis import Genesis, GenesisError, load_genesis
from validators.core.messages import CommittedBlock
from validators.core.rules import ConsensusConfig, Head, committed_block_error

BLOCKS_PER_REQUEST = 20  # blocks hold up to thousands of transactions each


class AuditError(Exception):
    """A check failed; the message says where and why."""


@dataclass
class AuditedChain(ChainIndex):
    """A chain checked block by block from genesis."""

    genesis: Genesis
    block_hashes: list[str] = field(default_factory=list)
    transactions: list[tuple[int, Transaction]] = field(default_factory=list)
    tx_ids: set[str] = field(default_factory=set)
    voters: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.config = ConsensusConfig.from_genesis(self.genesis)
        self.head = Head(0, genesis_hash(self.genesis.to_dict()), 0)

    def has_transaction(self, tx_id: str) -> bool:
        return tx_id in self.tx_ids

    def has_voter(self, election_id: str, voter_pseudonym: str) -> bool:
        return (election_id, voter_pseudonym) in self.voters

    def add(self, committed: CommittedBlock) -> None:
        """Append the next block; AuditError if it is not valid on this chain."""
        block = committed.block
        reason = committed_block_error(self.config, self.head, committed)
        reason = reason or block_transactions_error(
            block, self, self.genesis.submitter_keys(), self.genesis.max_payload_bytes
        )
        if reason:
            raise AuditError(f"block {block.height}: {reason}")
        for tx in block.transactions:
            self.tx_ids.add(tx.tx_id)
            self.voters.add((tx.election_id, tx.voter_pseudonym))
            self.transactions.append((block.height, tx))
        self.block_hashes.append(block.block_hash)
        self.head = Head(block.height, block.block_hash, block.header.timestamp_ms)


def audit_chain(genesis: Genesis, blocks: Iterable[CommittedBlock]) -> AuditedChain:
    chain = AuditedChain(genesis)
    for committed in blocks:
        chain.add(committed)
    return chain


def fetch_blocks(
    url: str, connect_timeout: float = 2.0, on_height: Callable[[int], None] | None = None
) -> Iterator[CommittedBlock]:
    """Every committed block a node serves, from height 1 on. `on_height` hears the height
    the node reports with each page (how many blocks there are to read)."""
    height = 1
    while True:
        try:
            response = requests.get(
                url.rstrip("/") + "/peer/blocks",
                params={"from": height, "limit": BLOCKS_PER_REQUEST},
                timeout=(connect_timeout, 30.0),
            )
            response.raise_for_status()
            page = response.json()
            items = page["blocks"]
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            raise AuditError(f"cannot fetch blocks from height {height}: {exc}") from None
        reported = page.get("height")
        if on_height is not None and type(reported) is int:
            on_height(reported)
        if not isinstance(items, list) or not items:
            return
        for item in items:
            try:
                yield CommittedBlock.from_dict(item)
            except MalformedError as exc:
                raise AuditError(f"block {height}: malformed: {exc}") from None
            height += 1


def disagreement(chains: Sequence[AuditedChain]) -> str | None:
    """Where two chains differ below the shorter one's height, or None."""
    longest = max(chains, key=lambda c: len(c.block_hashes))
    for chain in chains:
        for height, (ours, theirs) in enumerate(
            zip(chain.block_hashes, longest.block_hashes, strict=False), start=1
        ):
            if ours != theirs:
                return f"block {height} differs: {ours[:16]} against {theirs[:16]}"
    return None


@dataclass(frozen=True)
class NodeReading:
    """One validator's chain as audited here: `chain` when every block checked out, else
    `problem` says why not (unreachable, a forged certificate, a broken link...)."""

    node_id: str
    url: str
    chain: AuditedChain | None = None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        chain = self.chain
        return {
            "node_id": self.node_id,
            "url": self.url,
            "verified": chain is not None,
            "height": len(chain.block_hashes) if chain else None,
            "last_hash": chain.block_hashes[-1] if chain and chain.block_hashes else None,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class CertifiedBallot:
    """A ballot transaction of the election, and how many verified chains hold it."""

    tx_id: str
    voter_pseudonym: str
    payload: str
    block_height: int
    held_by: int

    @property
    def tracker(self) -> str:
        return hashlib.sha256(self.payload.encode()).hexdigest()


@dataclass(frozen=True)
class CertifiedReading:
    """An election's ballots as at least `quorum` validators certify them.

    `ballots` are held by at least `quorum` chains that verified back to genesis; `short` are
    in certified blocks on fewer (validators still catching up). `readings` says what each
    validator served, and why a chain was set aside."""

    quorum: int
    readings: tuple[NodeReading, ...]
    ballots: tuple[CertifiedBallot, ...]
    short: tuple[CertifiedBallot, ...]

    def report(self) -> dict[str, Any]:
        return {
            "quorum": self.quorum,
            "validators": [reading.to_dict() for reading in self.readings],
            "certified_ballots": len(self.ballots),
            "held_by_fewer_than_quorum": [b.tx_id for b in self.short],
        }


class ReadCounts:
    """Blocks checked so far and blocks to check, over the threads reading the validators:
    each node's count of checked blocks and the height it reports."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked: dict[str, int] = {}
        self.heights: dict[str, int] = {}

    def height(self, node_id: str, height: int) -> None:
        with self.lock:
            self.heights[node_id] = height

    def block_checked(self, node_id: str) -> None:
        with self.lock:
            self.checked[node_id] = self.checked.get(node_id, 0) + 1

    def node_done(self, node_id: str) -> None:
        """The node's reading ended (read to its end, or set aside): nothing more to read."""
        with self.lock:
            self.heights[node_id] = self.checked.get(node_id, 0)

    def totals(self) -> tuple[int, int]:
        """(blocks checked, blocks to check), the latter never below the former."""
        with self.lock:
            done = sum(self.checked.values())
            total = sum(max(h, self.checked.get(n, 0)) for n, h in self.heights.items())
            return done, max(done, total)


def read_node(
    node_id: str,
    url: str,
    genesis: Genesis,
    connect_timeout: float,
    counts: ReadCounts | None = None,
) -> NodeReading:
    counts = counts or ReadCounts()
    chain = AuditedChain(genesis)
    try:
        for committed in fetch_blocks(url, connect_timeout, partial(counts.height, node_id)):
            chain.add(committed)
            counts.block_checked(node_id)
        return NodeReading(node_id, url, chain)
    except AuditError as exc:
        return NodeReading(node_id, url, problem=str(exc))
    finally:
        counts.node_done(node_id)


def read_certified(
    genesis: Genesis,
    election_id: str,
    connect_timeout: float = 2.0,
    on_progress: Callable[[int, int], None] | None = None,
    progress_every: float = 0.5,
    read_at: Mapping[str, str] | None = None,
) -> CertifiedReading:
    """Read every validator in genesis, audit each chain back to genesis, and return the
    election's ballots held by at least q of the chains that verify. `read_at` maps a
    validator's id to the URL to read it at instead of its genesis URL (a reader outside the
    validators' own network); what is checked is the same. AuditError when fewer
    than q chains verify, or when two verified chains differ (both certified by a quorum:
    more validators lied than the network tolerates).

    `on_progress(blocks checked, blocks to check)`, summed over the validators, is called in
    the caller's thread every `progress_every` seconds while the reading threads work, and
    once at the end."""
    counts = ReadCounts()
    urls = read_at or {}
    with ThreadPoolExecutor(max_workers=len(genesis.validators)) as pool:
        futures = [
            pool.submit(read_node, v.id, urls.get(v.id, v.url), genesis, connect_timeout, counts)
            for v in genesis.validators
        ]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=progress_every)
            if on_progress is not None:
                on_progress(*counts.totals())
        readings = tuple(future.result() for future in futures)
    chains = [r.chain for r in readings if r.chain is not None]
    if len(chains) < genesis.quorum:
        problems = "; ".join(f"{r.node_id}: {r.problem}" for r in readings if r.problem)
        raise AuditError(
            f"only {len(chains)} of the {genesis.quorum} validators needed gave a chain that "
            f"verifies ({problems})"
        )
    fork = disagreement(chains)
    if fork:
        raise AuditError(f"validators hold different certified chains: {fork}")
    held: Counter[str] = Counter()
    found: dict[str, tuple[int, Transaction]] = {}
    for chain in chains:
        for height, tx in chain.transactions:
            if tx.election_id == election_id:
                held[tx.tx_id] += 1
                found[tx.tx_id] = (height, tx)
    ballots = [
        CertifiedBallot(tx.tx_id, tx.voter_pseudonym, tx.payload, height, held[tx.tx_id])
        for height, tx in sorted(found.values(), key=lambda item: item[0])
    ]
    return CertifiedReading(
        genesis.quorum,
        readings,
        tuple(b for b in ballots if b.held_by >= genesis.quorum),
        tuple(b for b in ballots if b.held_by < genesis.quorum),
    )


@dataclass(frozen=True)
class RecordBallots:
    election_id: str
    ballots: list[tuple[str, str]]  # (tracker, voter pseudonym), in record order


def read_record(path: Path) -> RecordBallots:
    """The election id and ballots of a record: a directory of files or the one-file form.
    Only what the chain comparison needs; `python -m evcrypto.verify` checks the rest. Files
    are read as that verifier reads them (canonical JSON in a directory, strict JSON without
    duplicate keys in a bundle), so both accept the same records."""
    try:
        if path.is_dir():
            parameters: Any = read_record_file(path, "parameters.json")
            ballots: Any = read_record_file(path, "ballots.json")
        else:
            bundle = parse_json(path.read_bytes())  # refuses a duplicate key
            parameters, ballots = bundle["parameters.json"], bundle["ballots.json"]
        entries = [(b["tracker"], b["ballot"]["voter"]) for b in ballots["ballots"]]
        election_id = parameters["election_id"]
    except (OSError, ValueError, KeyError, TypeError, CryptoError) as exc:
        raise AuditError(f"cannot read the record at {path}: {exc}") from None
    if not isinstance(election_id, str) or not all(
        isinstance(t, str) and isinstance(v, str) for t, v in entries
    ):
        raise AuditError("the record's election id, trackers and voters must be strings")
    return RecordBallots(election_id, entries)


def tracker(tx: Transaction) -> str:
    """A ballot transaction's tracker: the SHA-256 of its payload, the canonical ballot."""
    return hashlib.sha256(tx.payload.encode()).hexdigest()


def record_mismatch(record: RecordBallots, chain: AuditedChain) -> str | None:
    on_chain = {
        tracker(tx): tx.voter_pseudonym
        for _, tx in chain.transactions
        if tx.election_id == record.election_id
    }
    listed = dict(record.ballots)
    problems = []
    if len(listed) != len(record.ballots):
        problems.append(f"{len(record.ballots) - len(listed)} trackers repeat in the record")
    missing = [t for t, voter in record.ballots if on_chain.get(t) != voter]
    if missing:
        problems.append(f"{len(missing)} in the record are not on chain (first {missing[0]})")
    added = [t for t in on_chain if t not in listed]
    if added:
        problems.append(f"{len(added)} on chain are not in the record (first {added[0]})")
    return "; ".join(problems) or None


def run_audit(
    genesis_path: Path, urls: Sequence[str], record_path: Path | None
) -> list[CheckResult]:
    try:
        genesis = load_genesis(genesis_path)
    except (OSError, ValueError, GenesisError) as exc:
        return [CheckResult("genesis", False, f"cannot load {genesis_path}: {exc}")]
    checks = [
        CheckResult(
            "genesis",
            True,
            f"chain {genesis.chain_id}, {len(genesis.validators)} validators, quorum"
            f" {genesis.quorum}, hash {genesis_hash(genesis.to_dict())}",
        )
    ]
    chains = []
    for url in urls:
        try:
            chain = audit_chain(genesis, fetch_blocks(url))
        except AuditError as exc:
            checks.append(CheckResult(f"chain at {url}", False, str(exc)))
            continue
        chains.append(chain)
        last = chain.block_hashes[-1] if chain.block_hashes else "genesis"
        checks.append(
            CheckResult(
                f"chain at {url}",
                True,
                f"height {len(chain.block_hashes)}, last hash {last[:16]},"
                f" {len(chain.transactions)} transactions",
            )
        )
    if len(urls) > 1:
        if len(chains) < len(urls):
            checks.append(CheckResult("nodes agree", False, "not checked: a chain did not verify"))
        else:
            problem = disagreement(chains)
            checks.append(
                CheckResult("nodes agree", problem is None, problem or "each is a prefix")
            )
    if record_path is not None:
        checks.append(_record_check(record_path, chains))
    return checks


def _record_check(path: Path, chains: list[AuditedChain]) -> CheckResult:
    name = "record ballots on chain"
    if not chains:
        return CheckResult(name, False, "not checked: no chain verified")
    try:
        record = read_record(path)
    except AuditError as exc:
        return CheckResult(name, False, str(exc))
    longest = max(chains, key=lambda c: len(c.block_hashes))
    problem = record_mismatch(record, longest)
    detail = f"{len(record.ballots)} ballots of {record.election_id}, exactly those on chain"
    return CheckResult(name, problem is None, problem or detail)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m validators.audit", description=__doc__)
    parser.add_argument("--genesis", type=Path, required=True)
    parser.add_argument("--node", action="append", required=True, help="a validator's URL")
    parser.add_argument("--record", type=Path, help="an election record (directory or .json)")
    args = parser.parse_args(argv)
    checks = run_audit(args.genesis, args.node, args.record)
    for check in checks:
        print(check.line())
    return 0 if all(c.passed for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
