"""The figures read back from a run's output (tests/faults/figures.py)."""

from __future__ import annotations

import pytest

from tests.faults.figures import FiguresError, report

LOG = """\
seed=2 schedule (3 steps), replay: make test-faults SEED=2 FAULT_SECONDS=60
seed=2   v1-v3 delayed 200 ms, 37% lost for 7.7s, then 4.8s healed: first commit under it after 1.04s, longest gap then 1.20s, heal to next commit 0.43s (17 connections delayed, 15 dropped)
seed=2   isolate v2 for 4.9s, then 3.0s healed: first commit under it after 2.46s, longest gap then 1.30s, heal to next commit 0.90s
seed=2   cut every validator off for 7.2s, then 3.7s healed: no commit under it (8.39s from the last one to the heal), heal to next commit 0.60s
seed=2 ok   every chain verifies (validator-1 height 74, validator-2 height 74, validator-3 height 74)
seed=3   isolate v1 for 5.0s, then 3.0s healed: first commit under it after 3.10s, longest gap then 0.90s, heal to next commit none
seed=3 FAIL commits within the liveness bounds (1 fault over the bounds)
byzantine seed=1 ok   commits within the liveness bounds (27 commits while the liar played; longest gap at its turns 3.91s (bound 5.5s), at the others 1.52s (bound 3.5s))
"""


def test_each_kind_of_fault_gets_its_largest_times_and_the_failed_seeds_are_named() -> None:
    text = report(LOG)
    assert "crash-fault seeds (N = 3): 1 of 2 passed every invariant; failed: 3" in text
    assert "Byzantine seeds (N = 4): 1 of 1 passed every invariant" in text
    assert "| isolate | 2 | 3.10 | 1.30 | 0.90 / 0.90 (1 without a commit after the heal) |" in text
    assert "| no_quorum | 1 | – | – | 0.60 / 0.60 |" in text
    assert "| slow_link | 1 | 1.04 | 1.20 | 0.43 / 0.43 |" in text
    assert "at the liar's turns 3.91 s, at the honest validators' 1.52 s" in text


def test_a_log_without_measurements_is_one_clear_error() -> None:
    with pytest.raises(FiguresError, match="no fault measurements"):
        report("collected 12 items\n")
    with pytest.raises(FiguresError, match="no known kind"):
        report("seed=1   unplug v1 for 1.0s, then 1.0s healed: x, heal to next commit 0.10s\n")
