"""Cast as intended (the Benaloh challenge) in Chromium: a voter checks an encryption, sees the
choice it holds, finds it marked spoiled on the board and on /check/ from a second browser
context, then encrypts afresh and casts. A page that encrypts another candidate than the one
marked (a switch only the test bundle has) is caught by the same check."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apps.accounts.models import User
from apps.elections.models import Election
from apps.votes.models import SpoiledBallot, Vote
from tests.browser.test_voting import log_in

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_BUNDLE = ROOT / "apps" / "pages" / "static" / "pages" / "build" / "ballot.js"
TEST_BUNDLE = ROOT / "test-artifacts" / "booth-test" / "ballot.js"
SWITCH = "__encryptAnotherCandidate"


@pytest.fixture(scope="session")
def test_bundle() -> Path:
    """The booth bundle built with EVOTING_TEST_BUILD=true (npm run build:test), outside the
    static files: the only build in which the switch exists."""
    subprocess.run(["npm", "run", "--silent", "build:test"], cwd=ROOT, check=True)
    assert SWITCH in TEST_BUNDLE.read_text()
    return TEST_BUNDLE


@pytest.fixture
def second_device(chromium: Any) -> Iterator[Any]:
    """Another browser context: no cookies, no log-in."""
    context = chromium.new_context()
    yield context.new_page()
    context.close()


def encrypt(page: Any, candidate: str) -> str:
    """Mark `candidate`, encrypt, and return the tracker the page shows."""
    page.get_by_label(candidate).check()
    page.get_by_role("button", name="Encrypt my ballot").click()
    expect(page.get_by_role("button", name="Cast this ballot")).to_be_visible()
    tracker: str = page.locator("#new-tracker").inner_text()
    assert len(tracker) == 64
    return tracker


def check_encryption(page: Any, base: str, election: Election, tracker: str) -> None:
    page.get_by_role("button", name="Check this encryption (it will not be counted)").click()
    page.wait_for_url(f"{base}/elections/{election.pk}/spoiled/{tracker}/")


def check_from(page: Any, base: str, tracker: str) -> str:
    page.goto(f"{base}/check/")
    page.get_by_label("Spoiled ballot tracker").fill(tracker)
    page.get_by_role("button", name="Check", exact=True).click()
    text: str = page.locator("#decoded-choice").inner_text()
    return text


def test_check_an_encryption_then_cast_afresh(
    chromium: Any,
    live_server: Any,
    alice: User,
    election: Election,
    second_device: Any,
    screenshot: Any,
) -> None:
    base = live_server.url
    page = chromium.new_page()
    log_in(page, base, alice)
    page.goto(f"{base}/elections/{election.pk}/ballot/")
    spoiled = encrypt(page, "Grace")
    screenshot(page, "20-encrypted-cast-or-check")
    check_encryption(page, base, election, spoiled)
    expect(page.locator("#decoded-choice")).to_have_text("Grace")
    expect(page.locator("#tracker")).to_have_text(spoiled)
    screenshot(page, "21-spoiled-decoded")
    assert not Vote.objects.exists()
    assert SpoiledBallot.objects.get().tracker == spoiled
    page.get_by_role("link", name="See it marked spoiled on the ballot board").click()
    expect(page.locator("tr.spoiled", has_text=spoiled)).to_contain_text("spoiled")
    screenshot(page, "22-board-spoiled")
    # A second device, not logged in, reads the same ballot from the public record.
    assert check_from(second_device, base, spoiled) == "Grace"
    screenshot(second_device, "23-check-page")
    page.go_back()
    page.get_by_role("button", name="Encrypt a new ballot").click()
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/elections/{election.pk}/ballot/\??$"))
    fresh = encrypt(page, "Grace")
    assert fresh != spoiled
    page.get_by_role("button", name="Cast this ballot").click()
    page.wait_for_url(f"{base}/elections/{election.pk}/receipt/")
    expect(page.locator("#tracker")).to_have_text(fresh)
    assert Vote.objects.get().tracker == fresh
    screenshot(page, "24-receipt-after-check")
    page.close()


def test_a_page_that_encrypts_another_candidate_is_caught(
    chromium: Any,
    live_server: Any,
    alice: User,
    election: Election,
    second_device: Any,
    test_bundle: Path,
    screenshot: Any,
) -> None:
    base = live_server.url
    page = chromium.new_page()
    page.route("**/pages/build/ballot*.js", lambda route: route.fulfill(path=str(test_bundle)))
    log_in(page, base, alice)
    page.goto(f"{base}/elections/{election.pk}/ballot/")
    page.evaluate(f"window.{SWITCH} = true")
    tracker = encrypt(page, "Grace")
    check_encryption(page, base, election, tracker)
    expect(page.locator("#decoded-choice")).to_have_text("Linus")  # not what was marked
    screenshot(page, "25-cheating-page-caught")
    assert check_from(second_device, base, tracker) == "Linus"
    page.close()


def test_the_production_bundle_has_no_switch(
    chromium: Any, live_server: Any, alice: User, election: Election
) -> None:
    assert SWITCH not in PRODUCTION_BUNDLE.read_text()
    base = live_server.url
    page = chromium.new_page()
    log_in(page, base, alice)
    page.goto(f"{base}/elections/{election.pk}/ballot/")
    page.evaluate(f"window.{SWITCH} = true")  # ignored: the branch is not in this build
    tracker = encrypt(page, "Grace")
    check_encryption(page, base, election, tracker)
    expect(page.locator("#decoded-choice")).to_have_text("Grace")
    page.close()
