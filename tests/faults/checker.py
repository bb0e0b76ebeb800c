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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import requests

from evcrypto.verify import CheckResult
from tests.faults.network import Applied, node_id
from tests.integration.cluster import Cluster
from validators.audit import NodeReading, disagreement, read_node
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
