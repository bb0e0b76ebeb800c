"""The consensus core under the seeded simulator: safety always, liveness where promised.

A failing seed prints the line to replay it: `SIM_SEED=<seed> pytest <this file> -k <test>`.
"""

from __future__ import annotations

import os
import random

import pytest

from validators.core.tests.simulator import (
    Crash,
    LostCommits,
    Partition,
    Scenario,
    Simulation,
    commit_times,
    longest_gap_ms,
    safety_violations,
)

INTERVAL = 1000
TICK = 200
RANDOM_SEEDS = 500
CHUNK = 50


def seeds(default: range) -> list[int]:
    chosen = os.environ.get("SIM_SEED")
    return [int(chosen)] if chosen else list(default)


def failure(sim: Simulation, test: str, what: str) -> str:
    return f"{what}\nreplay: SIM_SEED={sim.seed} pytest {__file__} -k {test}\n{sim.replay_hint}"


def assert_safe(sim: Simulation, test: str) -> None:
    problems = safety_violations(sim)
    assert not problems, failure(sim, test, "; ".join(problems[:5]))


@pytest.mark.parametrize("seed", seeds(range(20)))
def test_all_validators_up_commit_one_block_per_interval(seed: int) -> None:
    sim = Simulation(seed, Scenario(duration_ms=20_000)).run()
    assert_safe(sim, "all_validators_up")
    # A proposal may wait one tick past its target; the commit then needs three message hops.
    bound = INTERVAL + TICK + 3 * sim.scenario.max_delay_ms
    gap = longest_gap_ms(commit_times(sim), 2 * INTERVAL, 20_000)
    assert gap <= bound, failure(sim, "all_validators_up", f"gap {gap} ms > {bound} ms")
    assert len({len(n.chain.blocks) for n in sim.nodes.values()}) <= 2


@pytest.mark.parametrize("seed", seeds(range(20)))
def test_one_crashed_validator_leaves_no_gap_over_two_intervals_plus_one_second(seed: int) -> None:
    victim = random.Random(seed).choice(["v0", "v1", "v2"])
    scenario = Scenario(duration_ms=25_000, crashes=[Crash(victim, 5_000, 10**9)])
    sim = Simulation(seed, scenario).run()
    assert_safe(sim, "one_crashed")
    gap = longest_gap_ms(commit_times(sim), 2 * INTERVAL, 25_000)
    assert gap <= 2 * INTERVAL + 1000, failure(sim, "one_crashed", f"gap {gap} ms")


@pytest.mark.parametrize("seed", seeds(range(10)))
def test_a_crashed_validator_catches_up_after_restart(seed: int) -> None:
    scenario = Scenario(duration_ms=25_000, crashes=[Crash("v2", 3_000, 12_000)])
    sim = Simulation(seed, scenario).run()
    assert_safe(sim, "catches_up")
    heights = {name: len(n.chain.blocks) for name, n in sim.nodes.items()}
    assert max(heights.values()) - heights["v2"] <= 1, failure(sim, "catches_up", str(heights))


@pytest.mark.parametrize("seed", seeds(range(20)))
def test_commits_resume_within_two_intervals_after_a_partition_heals(seed: int) -> None:
    rng = random.Random(seed)
    names = ["v0", "v1", "v2"]
    rng.shuffle(names)
    split = (frozenset(names[:1]), frozenset(names[1:2]), frozenset(names[2:]))
    heal = 12_000
    scenario = Scenario(duration_ms=22_000, partitions=[Partition(4_000, heal, split)])
    sim = Simulation(seed, scenario).run()
    assert_safe(sim, "partition_heals")
    after = [t for t in commit_times(sim) if t >= heal]
    assert after and after[0] - heal <= 2 * INTERVAL, failure(
        sim,
        "partition_heals",
        f"first commit after heal at +{after[0] - heal if after else None} ms",
    )


@pytest.mark.parametrize("seed", seeds(range(20)))
def test_a_validator_that_missed_the_commits_of_a_height_is_given_them(seed: int) -> None:
    """One validator is cut off, and of the two left, one commits a height while the other
    never hears its COMMIT. The first moves on and no longer re-sends it; the second's re-sent
    COMMIT brings it the certificate instead of leaving it to wait for its round to run out,
    fall a round behind and split the two for several intervals."""
    names = ["v0", "v1", "v2"]
    random.Random(seed).shuffle(names)
    cut, sender, missing = names
    split = (frozenset([cut]), frozenset([sender, missing]))
    scenario = Scenario(
        duration_ms=16_000,
        partitions=[Partition(4_000, 14_000, split)],
        lost_commits=[LostCommits(sender, missing, 4_000, 5_500)],
    )
    sim = Simulation(seed, scenario).run()
    assert_safe(sim, "missed_the_commits")
    gap = longest_gap_ms(commit_times(sim), 4_000, 14_000)
    assert gap <= 2 * INTERVAL + 1000, failure(sim, "missed_the_commits", f"gap {gap} ms")


def random_scenario(seed: int) -> Scenario:
    """Loss, delay (so reordering), partitions and crash/restart, all ending by 20 s."""
    rng = random.Random(seed)
    nodes = ["v0", "v1", "v2"]
    scenario = Scenario(
        duration_ms=32_000,
        max_delay_ms=rng.choice([20, 100, 300]),
        drop_rate=rng.choice([0.0, 0.05, 0.2, 0.4]),
        drop_until_ms=20_000,
    )
    for _ in range(rng.randint(0, 2)):
        start = rng.randint(1_000, 15_000)
        shuffled = nodes[:]
        rng.shuffle(shuffled)
        cut = rng.randint(1, 2)
        groups = (frozenset(shuffled[:cut]), frozenset(shuffled[cut:]))
        scenario.partitions.append(
            Partition(start, min(20_000, start + rng.randint(500, 6_000)), groups)
        )
    for _ in range(rng.randint(0, 2)):
        start = rng.randint(1_000, 15_000)
        scenario.crashes.append(
            Crash(rng.choice(nodes), start, min(20_000, start + rng.randint(100, 5_000)))
        )
    return scenario


@pytest.mark.parametrize("chunk", range(RANDOM_SEEDS // CHUNK))
def test_random_faults_never_break_safety_and_the_network_recovers(chunk: int) -> None:
    chosen = os.environ.get("SIM_SEED")
    run = [int(chosen)] if chosen else range(chunk * CHUNK, (chunk + 1) * CHUNK)
    for seed in run:
        sim = Simulation(seed, random_scenario(seed)).run()
        assert_safe(sim, "random_faults")
        heights = [len(n.chain.blocks) for n in sim.nodes.values()]
        recovered = [t for t in commit_times(sim) if t >= 20_000 + 6 * INTERVAL]
        assert recovered, failure(sim, "random_faults", f"no commits after faults ended: {heights}")
        assert max(heights) - min(heights) <= 1, failure(sim, "random_faults", f"heights {heights}")


@pytest.mark.parametrize("seed", seeds(range(10)))
def test_twins_are_caught_equivocating_and_safety_holds(seed: int) -> None:
    scenario = Scenario(validators=4, twins=("v1",), duration_ms=20_000, max_delay_ms=80)
    sim = Simulation(seed, scenario).run()
    assert_safe(sim, "twins")
    assert sim.evidence, failure(sim, "twins", "no equivocation evidence recorded")
    assert all(e.validator == "v1" for e in sim.evidence)
