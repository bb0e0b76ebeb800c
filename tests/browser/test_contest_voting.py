"""An election of three contests, one of each counting rule, in Chromium: the voter fills the
ballot with the mouse, or with the keyboard only, the browser encrypts it, the voter gets
one receipt, and after the tally the results page shows each contest with its own chart. A
checked (spoiled) ballot shows every option's value, contest by contest."""

from __future__ import annotations

from typing import Any

import pytest

from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.services import (
    ContestSpec,
    VoterRow,
    add_voters,
    create_contest_election,
    open_election,
)
from apps.elections.tests.chain import confirm_on_chain, tally_with_trustees
from apps.trustees.tests.ceremony import DEFAULT_TRUSTEES, complete_ceremony
from apps.votes.models import SpoiledBallot, Vote
from evcrypto import TrusteeKey
from tests.browser.test_voting import log_in
from tests.standin_validators import StandInNetwork

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

CONTESTS = [
    ContestSpec("Board", ["Ada", "Grace", "Linus"], "choose", min_selections=1, max_selections=2),
    ContestSpec("Rate the proposals", ["Library", "Garden"], "score", max_score=5),
    ContestSpec(
        "Budget", ["Schools", "Clinics", "Bridges"], "cumulative", points=10, max_per_option=6
    ),
]


@pytest.fixture
def meeting(alice: User) -> tuple[Election, dict[int, TrusteeKey]]:
    """The three-contest election, open, with Alice on its roll; and its trustees' keys."""
    election = create_contest_election("Annual meeting", CONTESTS)
    add_voters(election, [VoterRow(alice.email)])
    keys = complete_ceremony(election, DEFAULT_TRUSTEES)
    return open_election(election), keys


def cast_and_see_results(
    page: Any,
    base: str,
    election: Election,
    keys: dict[int, TrusteeKey],
    validators: StandInNetwork,
    expected: dict[str, list[int]],
) -> None:
    """The receipt of exactly one ballot; then, tallied, one chart and table per contest."""
    page.wait_for_url(f"{base}/elections/{election.pk}/receipt/")
    vote = Vote.objects.get()
    assert page.locator("#tracker").inner_text() == vote.tracker
    confirm_on_chain(validators, election)
    tally_with_trustees(election, keys)
    page.goto(f"{base}/elections/{election.pk}/results/")
    sections = page.locator("section.contest-results")
    expect(sections).to_have_count(3)
    for number, (title, totals) in enumerate(expected.items()):
        section = sections.nth(number)
        expect(section.get_by_role("heading", name=title)).to_be_visible()
        expect(section.locator("svg")).to_have_count(1)
        expect(section.get_by_role("img", name=title)).to_be_visible()
        shown = [int(cell) for cell in section.locator("tbody td").all_inner_texts()]
        assert shown == totals
    assert Vote.objects.count() == 1


def test_a_three_contest_ballot_filled_with_the_mouse(
    chromium: Any,
    live_server: Any,
    alice: User,
    meeting: tuple[Election, dict[int, TrusteeKey]],
    validators: StandInNetwork,
    screenshot: Any,
) -> None:
    election, keys = meeting
    base = live_server.url
    page = chromium.new_page()
    log_in(page, base, alice)
    page.get_by_role("link", name="Vote").click()
    expect(page.get_by_text("Choose between 1 and 2 options.")).to_be_visible()
    expect(page.get_by_text("at most 6 on any one")).to_be_visible()
    page.get_by_label("Grace").click()
    page.get_by_label("Linus").click()
    page.get_by_role("group", name="Library").get_by_label("4").click()
    page.get_by_role("group", name="Garden").get_by_label("1").click()
    page.get_by_label("Schools").click()
    page.get_by_label("Schools").fill("6")
    page.get_by_label("Bridges").click()
    page.get_by_label("Bridges").fill("5")  # 11 points of 10
    expect(page.locator("#used-c3")).to_have_text("11")
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.post_data or "") if r.method == "POST" else None)
    page.get_by_role("button", name="Encrypt my ballot").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Budget: Share up to 10 points")
    expect(page.get_by_role("button", name="Cast this ballot")).to_be_hidden()
    assert posted == [] and not Vote.objects.exists()
    screenshot(page, "30-contest-ballot-refused")
    page.get_by_label("Bridges").fill("3")
    expect(page.locator("#used-c3")).to_have_text("9")
    page.get_by_role("button", name="Encrypt my ballot").click()
    page.get_by_role("button", name="Cast this ballot").click()
    cast_and_see_results(
        page,
        base,
        election,
        keys,
        validators,
        {"Board": [0, 1, 1], "Rate the proposals": [4, 1], "Budget": [6, 0, 3]},
    )
    # The request carried the encrypted ballot and none of the marks.
    assert "ballot=" in posted[-1] and "contest-c1" not in posted[-1]
    assert "option-" not in posted[-1]
    screenshot(page, "31-contest-results")
    page.close()


def test_a_three_contest_ballot_filled_with_the_keyboard_only(
    chromium: Any,
    live_server: Any,
    alice: User,
    meeting: tuple[Election, dict[int, TrusteeKey]],
    validators: StandInNetwork,
) -> None:
    election, keys = meeting
    base = live_server.url
    page = chromium.new_page()
    log_in(page, base, alice)
    page.goto(f"{base}/elections/{election.pk}/ballot/")
    ada = election.candidates.get(name="Ada")
    for _ in range(30):  # tab to Board's first option
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == f"option-{ada.pk}":
            break
    expect(page.get_by_label("Ada")).to_be_focused()
    page.keyboard.press("Space")  # Ada
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Linus")).to_be_focused()
    page.keyboard.press("Space")  # Linus
    page.keyboard.press("Tab")  # into Library's scores, at the 0 checked by default
    library = page.get_by_role("group", name="Library")
    expect(library.get_by_label("0")).to_be_focused()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(library.get_by_label("5")).to_be_checked()
    page.keyboard.press("Tab")  # Garden stays 0
    expect(page.get_by_role("group", name="Garden").get_by_label("0")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Schools")).to_be_focused()
    for _ in range(2):
        page.keyboard.press("ArrowUp")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Clinics")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("8")  # 2 + 8 = 10: within the budget, but 8 is above 6 on one option
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator("#cast")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Budget: Share up to 10 points")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_label("Clinics")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("6")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator("#cast")).to_be_focused()
    page.keyboard.press("Enter")  # encrypt: focus moves to "Cast this ballot"
    expect(page.locator("#cast-encrypted")).to_be_focused()
    page.keyboard.press("Enter")
    cast_and_see_results(
        page,
        base,
        election,
        keys,
        validators,
        {"Board": [1, 0, 1], "Rate the proposals": [5, 0], "Budget": [2, 6, 0]},
    )
    page.close()


def test_a_checked_three_contest_ballot_shows_every_value_and_is_never_cast(
    chromium: Any,
    live_server: Any,
    alice: User,
    meeting: tuple[Election, dict[int, TrusteeKey]],
    screenshot: Any,
) -> None:
    election, _ = meeting
    base = live_server.url
    page = chromium.new_page()
    log_in(page, base, alice)
    page.goto(f"{base}/elections/{election.pk}/ballot/")
    page.get_by_label("Ada").check()
    page.get_by_role("group", name="Garden").get_by_label("3").check()
    page.get_by_label("Clinics").fill("6")
    page.get_by_label("Bridges").fill("4")
    page.get_by_role("button", name="Encrypt my ballot").click()
    tracker = page.locator("#new-tracker").inner_text()
    page.get_by_role("button", name="Check this encryption (it will not be counted)").click()
    page.wait_for_url(f"{base}/elections/{election.pk}/spoiled/{tracker}/")
    decoded = page.locator(".decoded").inner_text()
    for line in ["Ada", "Grace: not chosen", "Library: 0 points", "Garden: 3 points"]:
        assert line in decoded
    for line in ["Schools: 0 points", "Clinics: 6 points", "Bridges: 4 points"]:
        assert line in decoded
    screenshot(page, "32-contest-spoiled")
    assert SpoiledBallot.objects.get().tracker == tracker
    assert not Vote.objects.exists()
    page.close()
