"""Seeded fault schedules against real processes on a real (namespaced) network.

For each seed: three validators, each in its own network namespace, a bootnode and the backend
with its worker; an election open; votes cast through the API all along; the seed's schedule
of faults (isolation, splits, a bridge, an asymmetric link, SIGSTOP, kill -9 and restart, no
quorum, delay and loss on a link), each healed in turn; then the checker. Replay one seed with

    make test-faults SEED=<seed>

FAULT_SEEDS (comma-separated) picks the seeds, FAULT_SECONDS the length of each schedule.
Needs root (namespaces, iptables); `make test` does not run it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.faults.checker import (
    chain_checks,
    commit_times,
    effect_check,
    evidence_check,
    liveness_check,
)
from tests.faults.fabric import require_root
from tests.faults.network import FaultNetwork, run_on_fabric, settle, start_votes
from tests.faults.schedule import make_schedule

pytestmark = pytest.mark.faults

SEEDS = [int(s) for s in os.environ.get("FAULT_SEEDS", "1").split(",") if s.strip()]
SECONDS = float(os.environ.get("FAULT_SECONDS", "40"))
VOTE_EVERY = 0.5


@pytest.mark.parametrize("seed", SEEDS)
def test_fault_schedule_keeps_one_chain_every_vote_and_liveness(seed: int, tmp_path: Path) -> None:
    reason = require_root()
    if reason:
        pytest.fail(reason)
    schedule = make_schedule(seed, SECONDS)
    replay = f"make test-faults SEED={seed} FAULT_SECONDS={SECONDS:g}"
    print(f"\nseed={seed} schedule ({len(schedule)} steps), replay: {replay}")
    for step in schedule:
        print(f"seed={seed}   {step.describe()}")
    lines: list[str] = []
    passed = run_on_fabric(
        f"faults-seed-{seed}",
        tmp_path,
        lines,
        lambda network: run_schedule(network, seed, schedule, tmp_path, lines),
    )
    assert passed, f"seed {seed} failed; replay: {replay}\n" + "\n".join(lines)


def run_schedule(
    network: FaultNetwork, seed: int, schedule: list, root: Path, lines: list[str]
) -> bool:
    network.start()
    cluster = network.cluster
    assert cluster is not None
    voters = int(SECONDS / VOTE_EVERY) + 20
    driver = start_votes(network, voters, root / "trustees")
    applied = []
    try:
        for step in schedule:
            current = network.apply(step)
            applied.append(current)
            print(f"seed={seed} {time.strftime('%H:%M:%S')} apply {step.describe()}")
            time.sleep(step.hold)  # the fault's duration, not a poll
            network.heal(current)
            time.sleep(step.quiet)  # every link up for a while before the next fault
    finally:
        driver.stop()
        network.heal_all()
    settle(cluster, driver)
    refused = [b for b in driver.ballots if b.status != 201]
    lines.append(
        f"votes: {len(driver.ballots)} sent, {len(driver.acknowledged)} acknowledged with 201, "
        f"{len(refused)} not ({sorted({b.status for b in refused})})"
    )
    checks = chain_checks(cluster, driver.acknowledged)
    stored = cluster.stored_times()
    liveness, measured = liveness_check(applied, commit_times(stored))
    checks += [effect_check(applied, stored), liveness, evidence_check(cluster)]
    lines += [f"  {m}" for m in measured]
    lines += [check.line() for check in checks]
    for line in lines:
        print(f"seed={seed} {line}")
    return all(check.passed for check in checks)
