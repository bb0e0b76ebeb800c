"""What must hold after a fault schedule and its final heal, one line per invariant.

- every validator's chain verifies back to genesis (validators.audit: links, proposers,
  transaction roots, commit certificates of q validators in genesis), the chains are one chain
  (each a prefix of the longest, within two blocks of it) with identical certificates;
- every vote the backend acknowledged with 201 is on chain exactly once;
- nothing else is on chain;
- under each fault that left two validators able to talk, the first commit under it and every
  later gap between commits within the liveness bounds, and after each heal the next commit;
- every fault took effect (a cut-off validator stored no block meanwhile; a slow link's proxies
  carried connections);
- no validator recorded evidence.

The Byzantine run (N = 4, q = 3, validator-4 played by tests/faults/byzantine.py) keeps the
chain, vote and verification checks and replaces the others: commits within the liveness
bounds at every height (the liar's turns may take a round change), every honest node's
evidence names the liar and only the liar, no block the liar served with a bad certificate is
on any chain, and every move of the liar reached the honest validators.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from evcrypto.verify import CheckResult
from tests.faults.network import Applied, NamespacedCluster, node_id
from tests.integration.cluster import Cluster
from validators.audit import NodeReading, disagreement, read_node
from validators.core.blocks import BlockHeader
from validators.core.genesis import load_genesis

INTERVAL = 1.0
# docs/consensus.md: with one validator down, no gap over 2 intervals + 1 s (simulator); after
# a partition heals, the first commit within 2 intervals. Real processes on 2 cores get the
# integration tier's slack for the tick and Celery's scheduling.
GAP_BOUND = 2 * INTERVAL + 1.5
HEAL_BOUND = 2 * INTERVAL + 1.5
# The height a fault strikes in mid-round: a proposal that reached one live validator gives
# its round 0 one more interval, so the two live validators reach round 2 an interval apart
# (docs/consensus.md, "Timeouts"): up to 4 intervals.
TRANSITION_BOUND = 4 * INTERVAL + 1.5


@dataclass(frozen=True)
class Liveness:
    """One step's measurements (seconds)."""

    applied: Applied
    transition: float  # from the last commit before the fault to the first one under it
    longest_gap: float  # between later commits while the fault lasted, the open gap at the heal
    heal_to_commit: float | None  # None: no commit after the heal
    commits: int = 0  # while the fault lasted

    def line(self) -> str:
        after = "none" if self.heal_to_commit is None else f"{self.heal_to_commit:.2f}s"
        proxied = f" ({self.applied.proxied})" if self.applied.proxies else ""
        under = (
            f"first commit under it after {self.transition:.2f}s,"
            f" longest gap then {self.longest_gap:.2f}s"
            if self.commits
            else f"no commit under it ({self.transition:.2f}s from the last one to the heal)"
        )
        return f"{self.applied.step.describe()}: {under}, heal to next commit {after}{proxied}"

    @property
    def passed(self) -> bool:
        gaps_ok = not self.applied.step.quorum_connected or (
            self.transition <= TRANSITION_BOUND and self.longest_gap <= GAP_BOUND
        )
        return gaps_ok and self.heal_to_commit is not None and self.heal_to_commit <= HEAL_BOUND


def measure(applied: Applied, commits: Sequence[float]) -> Liveness:
    """`commits`: commit times in order of height."""
    before = [t for t in commits if t <= applied.started]
    during = [t for t in commits if applied.started < t <= applied.healed]
    after = [t for t in commits if t > applied.healed]
    times = before[-1:] + during + [applied.healed]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    return Liveness(
        applied,
        gaps[0] if gaps else 0.0,
        max(gaps[1:], default=0.0),
        after[0] - applied.healed if after else None,
        len(during),
    )


def chain_checks(cluster: Cluster, acknowledged: list[str]) -> list[CheckResult]:
    genesis = load_genesis(cluster.network_dir / "genesis.json")
    readings: list[NodeReading] = [
        read_node(n, cluster.url(n), genesis, 2.0) for n in cluster.nodes
    ]
    problems = [f"{r.node_id}: {r.problem}" for r in readings if r.chain is None]
    checks = [
        CheckResult(
            "every chain verifies",
            not problems,
            "; ".join(problems)
            or ", ".join(
                f"{r.node_id} height {len(r.chain.block_hashes)}" for r in readings if r.chain
            ),
        )
    ]
    chains = [r.chain for r in readings if r.chain is not None]
    if problems:
        return checks
    heights = [len(c.block_hashes) for c in chains]
    fork = disagreement(chains)
    lag = max(heights) - min(heights)
    certificates = differing_certificates(cluster, min(heights) - 1)
    same = fork is None and lag <= 2 and certificates is None
    detail = fork or certificates or (f"heights {min(heights)}..{max(heights)}" if lag > 2 else "")
    checks.append(
        CheckResult(
            "identical chains",
            same,
            detail if not same else f"one chain, heights within {lag}, identical certificates",
        )
    )
    longest = max(chains, key=lambda c: len(c.block_hashes))
    on_chain = Counter(tx.tx_id for _, tx in longest.transactions)
    missing = [t for t in acknowledged if on_chain[t] == 0]
    twice = [t for t in acknowledged if on_chain[t] > 1]
    checks.append(
        CheckResult(
            "acknowledged votes on chain once",
            not missing and not twice,
            f"{len(missing)} missing (first {missing[:1]}), {len(twice)} more than once"
            if missing or twice
            else f"all {len(acknowledged)}",
        )
    )
    extra = sorted(set(on_chain) - set(acknowledged))
    checks.append(
        CheckResult(
            "nothing else on chain",
            not extra,
            f"{len(extra)} transactions nobody was told of (first {extra[0]})"
            if extra
            else f"{sum(on_chain.values())} transactions on chain",
        )
    )
    return checks


def differing_certificates(cluster: Cluster, up_to: int) -> str | None:
    """Where two nodes store different certificates for one block below `up_to`, or None."""
    if up_to < 1:
        return None
    stored = {n: [b["certificate"] for b in cluster.all_blocks(n, up_to)] for n in cluster.nodes}
    first, *others = stored.values()
    for node, certificates in zip(list(stored)[1:], others, strict=True):
        for height, (ours, theirs) in enumerate(zip(first, certificates, strict=False), 1):
            if ours != theirs:
                return f"certificate of block {height} differs on {node}"
    return None


def commit_times(stored: dict[str, dict[int, float]]) -> dict[int, float]:
    """height -> the earliest time any node stored the block: when it was committed."""
    first: dict[int, float] = {}
    for heights in stored.values():
        for height, at in heights.items():
            first[height] = min(at, first.get(height, at))
    return first


# A message in flight when a fault begins can still complete a commit just after.
EFFECT_MARGIN = 1.0


def cut_off(applied: Applied) -> list[str]:
    """The validators that can commit nothing while this fault lasts."""
    a = node_id(applied.step.targets[0])
    if applied.step.kind in ("isolate", "split", "pause", "kill"):
        return [a]
    if applied.step.kind == "no_quorum":
        return [node_id(v) for v in applied.step.targets]
    return []


def effect_check(steps: list[Applied], stored: dict[str, dict[int, float]]) -> CheckResult:
    """No validator cut off by a fault stored a block while it lasted: the fault was real."""
    problems = []
    for applied in steps:
        if applied.step.kind == "slow_link" and not any(
            p.forwarded + p.dropped for p in applied.proxies
        ):
            problems.append(f"no connection went through the proxies of {applied.step.describe()}")
        start, end = applied.started + EFFECT_MARGIN, applied.healing
        for node in cut_off(applied):
            during = sorted(h for h, at in stored[node].items() if start < at < end)
            if during:
                problems.append(f"{node} stored {during} during {applied.step.describe()}")
    cut = sum(1 for applied in steps if cut_off(applied))
    slowed = sum(1 for applied in steps if applied.step.kind == "slow_link")
    return CheckResult(
        "faults took effect",
        not problems,
        "; ".join(problems)
        or f"{cut} faults left their validators committing nothing, {slowed} links proxied",
    )


def evidence_check(cluster: Cluster) -> CheckResult:
    counts = {
        n: requests.get(cluster.url(n) + "/health", timeout=5).json()["evidence_count"]
        for n in cluster.nodes
    }
    recorded = {n: c for n, c in counts.items() if c}
    return CheckResult(
        "no evidence recorded",
        not recorded,
        f"evidence on {recorded}" if recorded else "every evidence table empty",
    )


def liveness_check(
    steps: list[Applied], commits: dict[int, float]
) -> tuple[CheckResult, list[str]]:
    times = [commits[h] for h in sorted(commits)]
    measured = [measure(applied, times) for applied in steps]
    failed = [m for m in measured if not m.passed]
    bounds = f"first commit {TRANSITION_BOUND:.1f}s, gaps {GAP_BOUND:.1f}s, heal {HEAL_BOUND:.1f}s"
    detail = (
        f"over the bounds ({bounds}): " + "; ".join(m.line() for m in failed)
        if failed
        else f"{len(measured)} faults within the bounds ({bounds})"
    )
    return CheckResult("commits within the liveness bounds", not failed, detail), [
        m.line() for m in measured
    ]


# ----------------------------------------------------------------------------- the Byzantine run

# A height the liar proposes in round 0 takes a round change: its proposals (when it
# equivocates) are accepted and give round 0 one more interval, round 0 then runs one interval
# plus the last commit's latency (up to two), and the next validator proposes in round 1
# (docs/consensus.md, "Timeouts"): up to 4 intervals, as for a proposer crashing mid-round.
LIAR_TURN_BOUND = 4 * INTERVAL + 1.5


@dataclass(frozen=True)
class Gap:
    height: int  # the height whose commit closes the gap (the next one for the open gap)
    seconds: float
    bound: float


def byzantine_gaps(
    commits: dict[int, float], start: float, end: float, liar_turn: Callable[[int], bool]
) -> list[Gap]:
    """Each gap between the commits of consecutive heights while the liar played (from the
    last commit before `start`), and the gap still open at `end`; bounded by LIAR_TURN_BOUND
    when the later height is the liar's to propose in round 0, else by GAP_BOUND."""
    heights = sorted(h for h, at in commits.items() if at <= end)
    since = [h for h in heights if commits[h] > start]
    earlier = [h for h in heights if commits[h] <= start]
    chain = earlier[-1:] + since
    gaps = []
    for previous, height in zip(chain, chain[1:], strict=False):
        seconds = commits[height] - commits[previous]
        gaps.append(Gap(height, seconds, LIAR_TURN_BOUND if liar_turn(height) else GAP_BOUND))
    if chain:
        following = chain[-1] + 1
        bound = LIAR_TURN_BOUND if liar_turn(following) else GAP_BOUND
        gaps.append(Gap(following, end - commits[chain[-1]], bound))
    return gaps


def byzantine_liveness_check(gaps: list[Gap], liar_turn: Callable[[int], bool]) -> CheckResult:
    over = [g for g in gaps if g.seconds > g.bound]
    turns = [g.seconds for g in gaps if liar_turn(g.height)]
    others = [g.seconds for g in gaps if not liar_turn(g.height)]
    measured = (
        f"{len(gaps) - 1} commits while the liar played; longest gap at its turns"
        f" {max(turns, default=0.0):.2f}s (bound {LIAR_TURN_BOUND:.1f}s), at the others"
        f" {max(others, default=0.0):.2f}s (bound {GAP_BOUND:.1f}s)"
    )
    detail = "; ".join(f"height {g.height} after {g.seconds:.2f}s" for g in over)
    return CheckResult(
        "commits within the liveness bounds",
        bool(gaps) and len(gaps) > 1 and not over,
        f"over the bounds: {detail} ({measured})" if over else measured,
    )


Slot = tuple[str, int, int, str]  # (validator, height, round, phase)


def evidence_rows(cluster: NamespacedCluster) -> dict[str, set[Slot]]:
    """node id -> the (validator, height, round, phase) of each evidence row it holds."""
    rows: dict[str, set[Slot]] = {}
    for node in cluster.nodes:
        path = cluster.root / "var" / "validators" / f"{node}.sqlite3"
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as conn:
            found = conn.execute("SELECT validator, height, round, phase FROM chain_evidence")
            rows[node] = {(str(v), int(h), int(r), str(p)) for v, h, r, p in found}
    return rows


def liar_evidence_check(
    rows: dict[str, set[Slot]], liar: str, equivocations: list[tuple[Slot, list[str]]]
) -> CheckResult:
    """Every honest node recorded every equivocation of the liar whose two messages it queued
    for its engine (`equivocations`: each slot with those nodes), and no evidence names
    anybody else (an honest node that looked as if it signed twice)."""
    others = {n: sorted(s for s in slots if s[0] != liar) for n, slots in rows.items()}
    blamed = {n: s for n, s in others.items() if s}
    missing = {
        n: sorted(slot for slot, queued in equivocations if n in queued and slot not in slots)
        for n, slots in rows.items()
    }
    missing = {n: s for n, s in missing.items() if s}
    short = [slot for slot, queued in equivocations if set(queued) != set(rows)]
    kinds = Counter(phase for (_, _, _, phase), _ in equivocations)
    made = ", ".join(f"{count} {phase}" for phase, count in sorted(kinds.items())) or "none"
    problems = []
    if blamed:
        problems.append(f"evidence names another validator: {blamed}")
    if missing:
        problems.append(f"equivocations not recorded: {missing}")
    if not equivocations:
        problems.append("the liar made no equivocation")
    held = ", ".join(f"{n} {len(slots)}" for n, slots in sorted(rows.items()))
    unqueued = f"; {len(short)} not queued by every node {short}" if short else ""
    return CheckResult(
        f"evidence names {liar} only",
        not problems,
        "; ".join(problems)
        or f"every honest node holds the liar's {len(equivocations)} equivocations ({made}),"
        f" rows per node: {held}{unqueued}",
    )


def refusals(cluster: NamespacedCluster, liar: str, kind: str, reason: str = "") -> dict[str, int]:
    """node id -> how many messages of `kind` from the liar its engine logged as rejected
    (with `reason` in the line)."""
    counts = {}
    for node in cluster.nodes:
        path = cluster.root / "logs" / f"{node}-worker.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        marker = f"message rejected from={liar} type={kind} "
        counts[node] = sum(marker in line and reason in line for line in text.splitlines())
    return counts


def forged_blocks_check(
    cluster: NamespacedCluster, liar: str, served: list[dict[str, Any]]
) -> CheckResult:
    """No block the liar served (each with a bad certificate) is on an honest node's chain."""
    hashes = {s["hash"] for s in served}
    chains = {
        n: {
            BlockHeader.from_dict(b["block"]["header"]).block_hash
            for b in cluster.all_blocks(n, cluster.height(n))
        }
        for n in cluster.nodes
    }
    found = {n: sorted(hashes & chain) for n, chain in chains.items() if hashes & chain}
    defects = Counter(s["defect"] for s in served)
    honest = {cluster.nodes[n].host: n for n in cluster.nodes}
    asked = Counter(honest[s["to"]] for s in served if s["to"] in honest)
    refused = refusals(cluster, liar, "BLOCK", "certificate")
    made = ", ".join(f"{d} {c}" for d, c in sorted(defects.items()))
    return CheckResult(
        "no bad block stored",
        not found,
        f"blocks the liar served are on chain: {found}"
        if found
        else f"the liar served {len(served)} blocks with bad certificates ({made or 'none'}),"
        f" {sum(asked.values())} to honest validators ({dict(sorted(asked.items()))}),"
        f" refused by their engines {dict(sorted(refused.items()))}; none on any chain",
    )


@dataclass(frozen=True)
class Played:
    """One move as the liar played it (epoch seconds) and what it did meanwhile."""

    kind: str
    started: float
    ended: float
    events: list[dict[str, Any]]

    def line(self) -> str:
        heights = [e["height"] for e in self.events if e["event"] != "served"]
        served = sum(e["event"] == "served" for e in self.events)
        what = {
            "equivocate": "turns equivocated at heights",
            "conflicting_prepares": "conflicting PREPAREs at heights",
            "out_of_turn": "out-of-turn proposals at heights",
            "bad_catch_up": "later-height messages sent at heights",
        }[self.kind]
        extra = f", {served} bad blocks served meanwhile" if served else ""
        return f"{self.kind} for {self.ended - self.started:.1f}s: {what} {heights}{extra}"


MOVE_EVENTS = {
    "equivocate": "equivocated",
    "conflicting_prepares": "equivocated",
    "out_of_turn": "out_of_turn",
    "bad_catch_up": "lured",
}


def played_moves(report: list[dict[str, Any]]) -> list[Played]:
    """The moves the liar's report shows, each with the events it caused (an event stamped
    just after the move's end still belongs to it: a height under way)."""
    starts = {}
    played = []
    for line in report:
        if line["event"] != "move":
            continue
        if line["phase"] == "start":
            starts[line["kind"]] = line["at"]
            continue
        started = starts.pop(line["kind"])
        own = MOVE_EVENTS[line["kind"]]
        events = [
            e
            for e in report
            if started <= e["at"] <= line["at"] + 0.5 and e["event"] in (own, "served")
        ]
        if line["kind"] == "equivocate":
            events = [e for e in events if e.get("phase") != "PREPARE"]
        if line["kind"] == "conflicting_prepares":
            events = [e for e in events if e.get("phase") != "PROPOSAL"]
        played.append(Played(line["kind"], started, line["at"], events))
    return played


def moves_effect_check(cluster: NamespacedCluster, liar: str, played: list[Played]) -> CheckResult:
    """Every move did something the honest validators saw: a move that changed nothing would
    let every other check pass."""
    problems = []
    honest = {cluster.nodes[n].host: n for n in cluster.nodes}
    for move in played:
        own = [e for e in move.events if e["event"] != "served"]
        if not own:
            problems.append(f"{move.kind} made no move")
        if move.kind == "bad_catch_up":
            asked = {honest.get(e["to"]) for e in move.events if e["event"] == "served"}
            silent = sorted(set(cluster.nodes) - asked)
            if silent:
                problems.append(f"{move.kind}: {silent} never asked the liar for blocks")
    kinds = {m.kind for m in played}
    if "out_of_turn" in kinds:
        refused = refusals(cluster, liar, "PROPOSAL", "wrong proposer")
        if not all(refused.values()):
            problems.append(f"out-of-turn proposals not refused everywhere: {refused}")
    if "bad_catch_up" in kinds:
        refused = refusals(cluster, liar, "BLOCK", "certificate")
        if not all(refused.values()):
            problems.append(f"bad blocks not refused everywhere: {refused}")
    return CheckResult(
        "the liar's moves took effect",
        bool(played) and not problems,
        "; ".join(problems) or f"{len(played)} moves, each seen by the honest validators",
    )
