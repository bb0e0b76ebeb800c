"""The harness's pure parts: seeded schedules replay exactly; liveness is measured as stated."""

from __future__ import annotations

from tests.faults.checker import GAP_BOUND, commit_times, effect_check, measure
from tests.faults.network import Applied
from tests.faults.schedule import KINDS, Step, make_schedule


def step(kind: str = "isolate") -> Step:
    return Step(kind, ("v1", "v2", "v3"), "", 5.0, 3.0)


def test_a_seed_gives_the_same_schedule_and_another_seed_a_different_one() -> None:
    assert make_schedule(1234, 60) == make_schedule(1234, 60)
    assert make_schedule(1234, 60) != make_schedule(1235, 60)


def test_a_schedule_lasts_about_its_seconds_and_covers_every_kind_before_repeating() -> None:
    schedule = make_schedule(7, 120)
    total = sum(s.hold + s.quiet for s in schedule)
    assert 120 <= total < 120 + 8 + 5
    first = [s.kind for s in schedule[: len(KINDS)]]
    assert sorted(first) == sorted(KINDS)
    assert all(sorted(s.targets) == ["v1", "v2", "v3"] for s in schedule)


def test_the_longest_gap_counts_the_gap_open_at_the_heal() -> None:
    applied = Applied(step(), started=10.0, healed=20.0)
    commits = [9.5, 11.0, 12.0, 20.5]  # nothing committed from 12 to the heal at 20
    measured = measure(applied, commits)
    assert measured.transition == 1.5
    assert measured.longest_gap == 8.0
    assert measured.heal_to_commit == 0.5
    assert not measured.passed


def test_steady_commits_pass_and_no_commit_after_the_heal_fails() -> None:
    applied = Applied(step(), started=10.0, healed=14.0)
    steady = [9.0 + i for i in range(8)]
    assert measure(applied, steady).passed
    assert measure(applied, steady).longest_gap <= GAP_BOUND
    stopped = measure(applied, [9.0, 10.5, 11.5, 12.5, 13.5])
    assert stopped.heal_to_commit is None and not stopped.passed


def test_the_height_a_fault_strikes_may_take_four_intervals_the_later_ones_two() -> None:
    applied = Applied(step(), started=10.0, healed=20.0)
    assert measure(applied, [9.5, 14.9, 16.9, 18.9, 20.3]).passed
    late = measure(applied, [9.5, 16.0, 17.0, 18.0, 19.0, 20.3])
    assert late.transition == 6.5 and not late.passed
    assert not measure(applied, [9.5, 10.5, 14.5, 15.0, 20.3]).passed


def test_without_a_quorum_only_the_heal_is_bounded() -> None:
    applied = Applied(step("no_quorum"), started=10.0, healed=20.0)
    assert measure(applied, [9.5, 20.8]).passed
    assert not measure(applied, [9.5, 25.0]).passed


def test_a_cut_off_validator_storing_a_block_during_its_fault_fails_the_effect_check() -> None:
    applied = Applied(Step("isolate", ("v2", "v1", "v3"), "", 5.0, 3.0), 10.0, 15.5, healing=15.0)
    # 10.5 is within the margin of the cut, 15.2 after healing began
    quiet = {"validator-1": {1: 12.0}, "validator-2": {1: 10.5, 2: 15.2}, "validator-3": {}}
    assert effect_check([applied], quiet).passed
    leaked = {**quiet, "validator-2": {1: 10.5, 2: 13.0}}
    result = effect_check([applied], leaked)
    assert not result.passed and "validator-2 stored [2]" in result.detail


def test_commit_times_are_the_earliest_store_of_each_height() -> None:
    stored = {"validator-1": {1: 5.0, 2: 7.0}, "validator-2": {1: 4.0, 2: 9.0, 3: 10.0}}
    assert commit_times(stored) == {1: 4.0, 2: 7.0, 3: 10.0}
