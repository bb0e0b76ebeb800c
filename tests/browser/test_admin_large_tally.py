"""A tally of 100,000 real ballots runs in the background while an official watches its
progress bar move within each step on the election's admin page, without reloading it.

The election is the tally benchmark's (tests/large_election.py: real ballots, encrypted with
their proofs, in certified blocks on three stand-in validators on loopback). The job runs in a
thread of this process (`jobs_in_threads`: the worker's own function, without a broker). It
takes minutes, so it is marked `large` and run by `make test-large` (and by .ci/run), not by
`make test`; LARGE_TALLY_BALLOTS sets another size.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

from apps.accounts.models import User
from apps.elections.models import Election, Job
from apps.elections.progress import AGGREGATING, READING
from tests.browser.conftest import admin_page
from tests.large_election import large_closed_election
from tests.standin_validators import StandInNetwork

pytestmark = pytest.mark.large
expect = pytest.importorskip("playwright.sync_api").expect

BALLOTS = int(os.environ.get("LARGE_TALLY_BALLOTS", "100000"))
DEADLINE_SECONDS = 30 * 60

READ_ROW = """() => {
  const row = document.querySelector('#jobs tr.job');
  const bar = row.querySelector('progress');
  return {
    state: row.querySelector('.job-state').textContent,
    step: row.querySelector('.job-step').textContent,
    value: bar.hasAttribute('value') ? bar.value : null,
    max: bar.max,
    count: row.querySelector('.job-count').textContent,
  };
}"""


def test_a_tally_of_100000_ballots_shows_its_progress_within_each_step(
    chromium: Any,
    live_server: Any,
    official: User,
    validators: StandInNetwork,
    jobs_in_threads: None,
    screenshot: Any,
) -> None:
    # Twenty blocks on each validator, as the benchmark commits 100,000 ballots.
    election = large_closed_election(
        validators, BALLOTS, block_size=max(1, BALLOTS // 20), title="Large tally"
    )
    page = admin_page(chromium, live_server.url, official)
    page.goto(f"{live_server.url}/admin/elections/election/{election.pk}/change/")
    page.get_by_role("button", name="Start the tally").click()
    expect(page.get_by_text("tally started: see the progress below")).to_be_visible()
    page.evaluate("window.__sameDocument = true")

    seen: dict[str, list[tuple[float, float]]] = {}
    shot: set[str] = set()
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        row = page.evaluate(READ_ROW)
        if row["state"] in ("done", "failed"):
            break
        if row["state"] == "running" and row["value"] is not None:
            seen.setdefault(row["step"], []).append((row["value"], row["max"]))
            within = 0 < row["value"] < row["max"]
            if within and row["step"] not in shot:
                screenshot(page, f"22-large-tally-{row['step'].replace(' ', '-')}")
                shot.add(row["step"])
        assert time.monotonic() < deadline, f"the tally did not finish; last seen {row}"
        page.wait_for_timeout(250)

    expect(page.locator("#jobs .job-outcome")).to_contain_text(
        f"done: {BALLOTS} ballots aggregated", timeout=10_000
    )
    assert page.evaluate("window.__sameDocument") is True  # the page was never reloaded
    screenshot(page, "23-large-tally-done")
    for step in (READING, AGGREGATING):
        samples = seen.get(step, [])
        # The bar stood part-way at least twice, at different places, never going back.
        part_way = [value for value, top in samples if 0 < value < top]
        assert len(set(part_way)) >= 2, (step, samples)
        values = [value for value, _ in samples]
        assert values == sorted(values), (step, samples)
    assert {top for _, top in seen[AGGREGATING]} == {BALLOTS}
    job = Job.objects.get(election=election)
    assert job.state == Job.State.DONE and job.result["ballots"] == BALLOTS
    election.refresh_from_db()
    assert election.state == Election.State.TALLYING
    assert election.tally_report["ballots"] == BALLOTS
    page.close()
