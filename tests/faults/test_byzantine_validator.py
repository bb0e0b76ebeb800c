"""A Byzantine validator on a real (namespaced) network: N = 4, q = 3.

Validators 1 to 3 are the real node processes, each in its own namespace, with the bootnode
and the backend as in the crash runs; validator-4, in the fourth namespace, is the liar of
tests/faults/byzantine.py, holding validator-4's key from the generated network. Votes are cast
through the API while the liar plays its seeded moves; then the checker: one certified chain on
the honest nodes, every acknowledged vote on it once, commits within the liveness bounds,
evidence naming the liar and nobody else, none of its bad blocks stored, every move seen, and
the election closed and its tally read from the validators. Replay one seed with

    make test-faults BYZ_SEED=<seed>

BYZANTINE_SEEDS (comma-separated) picks the seeds, BYZANTINE_SECONDS the length of the moves.
Needs root (namespaces); `make test` does not run it.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from evcrypto.verify import CheckResult
from tests.faults.byzantine import LIAR, make_byzantine_schedule, read_report
from tests.faults.checker import (
    byzantine_gaps,
    byzantine_liveness_check,
    chain_checks,
    commit_times,
    evidence_rows,
    forged_blocks_check,
    liar_evidence_check,
    moves_effect_check,
    played_moves,
)
from tests.faults.fabric import require_root
from tests.faults.network import FaultNetwork, VoteDriver, run_on_fabric, settle
from tests.integration.backend import Backend
from tests.integration.cluster import BIN, kill_group, wait_until
from tests.integration.test_backend_vote_path import all_confirmed, open_election
from validators.core.blocks import genesis_hash
from validators.core.genesis import load_genesis
from validators.core.rules import ConsensusConfig

pytestmark = pytest.mark.faults

SEEDS = [int(s) for s in os.environ.get("BYZANTINE_SEEDS", "1").split(",") if s.strip()]
SECONDS = float(os.environ.get("BYZANTINE_SECONDS", "40"))
VOTE_EVERY = 0.5


@pytest.mark.parametrize("seed", SEEDS)
def test_a_byzantine_validator_splits_nothing_and_the_evidence_names_it(
    seed: int, tmp_path: Path
) -> None:
    reason = require_root()
    if reason:
        pytest.fail(reason)
    schedule = make_byzantine_schedule(seed, SECONDS)
    replay = f"make test-faults BYZ_SEED={seed} BYZ_SECONDS={SECONDS:g}"
    print(f"\nbyzantine seed={seed} moves of {LIAR} ({len(schedule)}), replay: {replay}")
    for move in schedule:
        print(f"byzantine seed={seed}   {move.describe()}")
    lines: list[str] = []
    passed = run_on_fabric(
        f"byzantine-seed-{seed}",
        tmp_path,
        lines,
        lambda network: run_liar(network, seed, tmp_path, lines),
        size=4,
        outside=(LIAR,),
    )
    assert passed, f"byzantine seed {seed} failed; replay: {replay}\n" + "\n".join(lines)


def start_liar(network: FaultNetwork, seed: int, report: Path) -> subprocess.Popen[bytes]:
    """validator-4's liar in its own namespace, listening on validator-4's address."""
    cluster = network.cluster
    assert cluster is not None
    command = [str(BIN / "python"), "-m", "tests.faults.byzantine"]
    command += ["--network-dir", str(cluster.network_dir), "--seed", str(seed)]
    command += ["--seconds", str(SECONDS), "--report", str(report)]
    namespaced = ["ip", "netns", "exec", network.fabric.namespace("v4"), *command]
    liar = cluster.spawn(LIAR, namespaced, {**os.environ, "PYTHONUNBUFFERED": "1"})
    wait_until(
        lambda: any(e["event"] == "started" for e in read_report(report)), 30, "the liar to listen"
    )
    return liar


def run_liar(network: FaultNetwork, seed: int, root: Path, lines: list[str]) -> bool:
    network.start()
    cluster, backend = network.cluster, network.backend
    assert cluster is not None and backend is not None
    report = root / "logs" / "liar.jsonl"  # kept with the logs when the seed fails
    election, roll = open_election(backend, int(SECONDS / VOTE_EVERY) + 40, root / "trustees")
    liar = start_liar(network, seed, report)
    driver = VoteDriver(backend, election, roll, every=VOTE_EVERY).start()
    try:
        total = sum(m.hold + m.quiet for m in make_byzantine_schedule(seed, SECONDS))
        wait_until(
            lambda: any(e["event"] == "schedule" for e in read_report(report)),
            total + 30,
            "the liar's last move",
            every=0.5,
        )
    finally:
        driver.stop()
    try:
        settle(cluster, driver)
        checks = byzantine_checks(network, driver, read_report(report), lines)
        checks.append(tally_check(backend, election, driver, root))
    finally:
        kill_group(liar)
    lines += [check.line() for check in checks]
    for line in lines:
        print(f"byzantine seed={seed} {line}")
    return all(check.passed for check in checks)


def byzantine_checks(
    network: FaultNetwork, driver: VoteDriver, report: list[dict[str, Any]], lines: list[str]
) -> list[CheckResult]:
    cluster = network.cluster
    assert cluster is not None
    refused = [b for b in driver.ballots if b.status != 201]
    lines.append(
        f"votes: {len(driver.ballots)} sent, {len(driver.acknowledged)} acknowledged with 201, "
        f"{len(refused)} not ({sorted({b.status for b in refused})})"
    )
    played = played_moves(report)
    lines += [f"  {move.line()}" for move in played]
    config = ConsensusConfig.from_genesis(load_genesis(cluster.network_dir / "genesis.json"))

    def liar_turn(height: int) -> bool:
        return config.proposer_for(height, 0) == LIAR

    start = min((m.started for m in played), default=time.time())
    end = next((e["at"] for e in report if e["event"] == "schedule"), time.time())
    gaps = byzantine_gaps(commit_times(cluster.stored_times()), start, end, liar_turn)
    equivocations = [
        ((LIAR, e["height"], e["round"], e["phase"]), e["both_queued"])
        for e in report
        if e["event"] == "equivocated"
    ]
    served = [e for e in report if e["event"] == "served"]
    return [
        *chain_checks(cluster, driver.acknowledged),
        byzantine_liveness_check(gaps, liar_turn),
        liar_evidence_check(evidence_rows(cluster), LIAR, equivocations),
        forged_blocks_check(cluster, LIAR, served),
        moves_effect_check(cluster, LIAR, played),
    ]


def tally_check(
    backend: Backend, election: dict[str, Any], driver: VoteDriver, root: Path
) -> CheckResult:
    """The official closes the election and starts the tally, which reads every validator in
    genesis (the liar's chain does not verify) and counts the ballots q of them hold; trustees
    1 and 3 check it against the chain themselves and decrypt: the counts are the votes cast."""
    name = "the tally counts every acknowledged vote"
    staff = backend.staff()
    acknowledged = driver.acknowledged
    try:
        wait_until(
            lambda: all_confirmed(staff, election["id"], acknowledged),
            60,
            "every acknowledged vote confirmed",
            every=1,
        )
    except TimeoutError as exc:
        return CheckResult(name, False, str(exc))
    closing = staff.run_job(f"/api/elections/{election['id']}/close")
    tally = staff.run_job(f"/api/elections/{election['id']}/tally")
    counted = (tally.get("result") or {}).get("ballots")
    if closing["state"] != "done" or tally["state"] != "done" or counted != len(acknowledged):
        return CheckResult(
            name,
            False,
            f"close {closing['state']}, tally {tally['state']} ({tally.get('error')}):"
            f" {counted} ballots for {len(acknowledged)} acknowledged votes",
        )
    genesis = backend.cluster.network_dir / "genesis.json"
    published = genesis_hash(load_genesis(genesis).to_dict())
    try:
        backend.run_trustees(
            "decrypt",
            election["id"],
            root / "trustees",
            [1, 3],
            *("--genesis", str(genesis), "--genesis-hash", published),
        )
    except AssertionError as exc:  # a trustee's command failed: its output
        return CheckResult(name, False, f"{counted} ballots, but decryption failed: {exc}")
    results = staff.get("/api/votes/results", election_id=election["id"]).json()
    # The driver gives voter i the choice i % 3 (tests/faults/network.py).
    cast = Counter(i % 3 for i, b in enumerate(driver.ballots) if b.status == 201)
    counts = [r["votes"] for r in results.get("results", [])]
    expected = [cast[i] for i in range(len(counts))]
    return CheckResult(
        name,
        results.get("state") == "tallied" and counts == expected and sum(counts) == counted,
        f"{counted} ballots read from the chains q validators agree on, decrypted by trustees"
        f" 1 and 3: {counts} (cast {expected})",
    )
