"""An official starts the tally in the admin and watches its steps and progress bar move to
done on the election's page, without reloading it.

The ballots are real (encrypted with proofs by the server for each voter) on the stand-in
validators; there are BALLOTS of them here to keep the test short: the bench
(bench/bench_tally.py) runs a background tally of 100,000. The job runs in a thread of this
process (`jobs_in_threads`: the worker's own function, without a broker), and the chain read is
held until the page has shown the first step running, so the test sees the page move from a
running step to done whatever the machine's speed.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from apps.accounts.models import User
from apps.elections.models import Election, Job
from apps.elections.services import VoterRow, add_voters, close_election, open_election
from apps.elections.tests.chain import confirm_on_chain
from apps.trustees.tests.ceremony import DEFAULT_TRUSTEES, complete_ceremony
from apps.votes.services import cast_choice
from tests.browser.conftest import admin_page
from tests.standin_validators import StandInNetwork
from validators import audit

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

BALLOTS = 40


def closed_with_ballots(draft: Election, validators: StandInNetwork) -> Election:
    """BALLOTS voters on the roll, each with a confirmed ballot on the chain; closed."""
    emails = [f"voter{i}@example.org" for i in range(BALLOTS)]
    add_voters(draft, [VoterRow(email) for email in emails])
    complete_ceremony(draft, DEFAULT_TRUSTEES)
    election = open_election(draft)
    ada, grace, _ = election.candidates.order_by("position")
    for i, email in enumerate(emails):
        cast_choice(election, User.objects.get(email=email), [(grace if i % 3 else ada).pk])
    confirm_on_chain(validators, election)
    return close_election(election)


def test_an_official_starts_the_tally_and_sees_its_progress_reach_done(
    chromium: Any,
    live_server: Any,
    official: User,
    draft: Election,
    validators: StandInNetwork,
    jobs_in_threads: None,
    screenshot: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    election = closed_with_ballots(draft, validators)
    release = threading.Event()
    real_read = audit.read_certified

    def held_read(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(60), "the page never showed the running step"
        return real_read(*args, **kwargs)

    monkeypatch.setattr("apps.elections.tally.read_certified", held_read)
    base = live_server.url
    page = admin_page(chromium, base, official)
    page.goto(f"{base}/admin/elections/election/{election.pk}/change/")
    page.get_by_role("button", name="Start the tally").click()
    expect(page.get_by_text("tally started: see the progress below")).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    row = page.locator("#jobs tr.job")
    expect(row.locator(".job-state")).to_have_text("running", timeout=20_000)
    expect(row.locator(".job-step")).to_have_text("reading the chain from the validators")
    # No validator has reported its height yet: the bar is indeterminate, with no count.
    assert row.locator(".job-count").inner_text() == ""
    assert page.evaluate("document.querySelector('#jobs progress').hasAttribute('value')") is False
    screenshot(page, "20-tally-running")
    release.set()
    expect(row.locator(".job-state")).to_have_text("done", timeout=60_000)
    expect(row.locator(".job-step")).to_have_text("waiting for trustees")
    expect(row.locator(".job-outcome")).to_contain_text(f"done: {BALLOTS} ballots aggregated")
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    bar = row.locator("progress")
    assert bar.get_attribute("max") is not None
    assert page.evaluate("document.querySelector('#jobs progress').max") == 2  # 2 of 3 trustees
    screenshot(page, "21-tally-done")
    job = Job.objects.get(election=election)
    assert job.state == "done" and job.result["ballots"] == BALLOTS
    election.refresh_from_db()
    assert election.state == Election.State.TALLYING
    page.reload()
    expect(page.get_by_text("Waiting for 2 partial decryptions")).to_be_visible()
    page.close()
