"""Log in -> vote -> receipt -> confirmed -> (closed and tallied) -> results, in Chromium:
with JavaScript (the browser encrypts), without it (the server encrypts), in French, and by
keyboard only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from apps.accounts.models import User
from apps.chain.reading import ChainBallot, ElectionChain
from apps.elections import tally
from apps.elections.models import Election
from apps.elections.services import close_election
from apps.votes.models import Vote
from apps.votes.services import voter_pseudonym
from evcrypto import ElectionKey, ballot_from_json, verify_ballot
from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def log_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/elections/")


def confirm_and_tally(election: Election, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the validators and the official do: the vote lands in block 7, then the tally."""
    Vote.objects.update(status=Vote.Status.CONFIRMED, block_height=7, block_hash="ab" * 32)
    ballots = [
        ChainBallot(v.transaction_id, v.voter_pseudonym, v.ballot, 7, "ab" * 32)
        for v in Vote.objects.all()
    ]
    chain = ElectionChain("validator-1", ballots, {"valid": True})
    monkeypatch.setattr(tally, "election_chain", lambda _: chain)


def test_log_in_vote_receipt_confirmed_results_with_javascript(
    chromium: Any,
    live_server: Any,
    alice: User,
    official: User,
    election: Election,
    screenshot: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = live_server.url
    page = chromium.new_page()
    page.goto(f"{base}/login/")
    screenshot(page, "01-login")
    log_in(page, base, alice)
    screenshot(page, "02-my-elections")
    page.get_by_role("link", name="Vote").click()
    expect(page.get_by_text("The server never sees your choice")).to_be_visible()
    expect(page.get_by_text("JavaScript is off")).to_be_hidden()
    page.get_by_label("Grace").check()
    screenshot(page, "03-ballot")
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.post_data or "") if r.method == "POST" else None)
    page.get_by_role("button", name="Cast my ballot").click()
    page.wait_for_url(f"{base}/elections/{election.pk}/receipt/")
    # The request carried the encrypted ballot and no plain choice.
    body = posted[-1]
    assert "ballot=" in body and "candidate=" not in body
    vote = Vote.objects.get()
    public_key = ElectionKey.from_dict(election.public_key).public_key
    ballot = ballot_from_json(vote.ballot.encode(), public_key.group)
    verify_ballot(public_key, election.election_hash, voter_pseudonym(election, alice), ballot, 3)
    assert page.locator("#status").inner_text().startswith("pending")
    assert page.locator("#tracker").inner_text() == vote.tracker
    screenshot(page, "04-receipt-pending")
    # The status turns confirmed by itself: no navigation happens.
    page.evaluate("window.__sameDocument = true")
    confirm_and_tally(election, monkeypatch)
    page.wait_for_function(
        "document.getElementById('status').dataset.status === 'confirmed'", timeout=10_000
    )
    assert page.evaluate("window.__sameDocument") is True
    assert "in block 7" in page.locator("#block").inner_text()
    screenshot(page, "05-receipt-confirmed")
    tally.tally_election(close_election(election))
    page.goto(f"{base}/elections/{election.pk}/results/")
    assert page.locator("table tbody tr", has_text="Grace").inner_text().split() == ["Grace", "1"]
    expect(page.locator("svg")).to_be_visible()
    screenshot(page, "06-results")
    page.goto(f"{base}/elections/{election.pk}/board/")
    assert vote.tracker in page.content()
    screenshot(page, "07-board")
    page.goto(f"{base}/elections/{election.pk}/results/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the election record (JSON)").click()
    record = json.loads(open(download.value.path()).read())
    assert record["results.json"]["results"][1] == {"candidate": "Grace", "votes": 1}
    page.close()


def test_without_javascript_the_server_encrypts_and_says_so(
    chromium: Any, live_server: Any, alice: User, election: Election, screenshot: Any
) -> None:
    base = live_server.url
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, base, alice)
    page.goto(f"{base}/elections/{election.pk}/ballot/")
    expect(
        page.get_by_text("JavaScript is off, so your choice is sent to the server")
    ).to_be_visible()
    page.get_by_role("button", name="Cast my ballot").click()  # nothing chosen: error summary
    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    screenshot(page, "08-ballot-error-no-js")
    page.get_by_label("Linus").check()
    page.get_by_role("button", name="Cast my ballot").click()
    page.wait_for_url(f"{base}/elections/{election.pk}/receipt/")
    assert page.locator("#status").inner_text().startswith("pending")
    expect(page.get_by_text("Reload this page to see the latest status.")).to_be_visible()
    screenshot(page, "09-receipt-no-js")
    context.close()


def test_the_pages_in_french(
    chromium: Any, live_server: Any, alice: User, election: Election, screenshot: Any
) -> None:
    base = live_server.url
    page = chromium.new_page()
    log_in(page, base, alice)
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change").click()
    page.wait_for_selector("html[lang=fr]")
    expect(page.get_by_role("heading", name="Mes élections")).to_be_visible()
    screenshot(page, "10-my-elections-fr")
    page.get_by_role("link", name="Voter").click()
    expect(page.get_by_text("Choisissez exactement 1 candidat.")).to_be_visible()
    page.get_by_label("Ada").check()
    screenshot(page, "11-ballot-fr")
    page.get_by_role("button", name="Déposer mon bulletin").click()
    page.wait_for_url(f"{base}/elections/{election.pk}/receipt/")
    expect(page.get_by_role("heading", name="Votre reçu")).to_be_visible()
    assert page.locator("#status").inner_text().startswith("en attente")
    screenshot(page, "12-receipt-fr")
    page.goto(f"{base}/elections/{election.pk}/results/")
    expect(page.get_by_text("Participation : 1 électeurs sur 1 ont voté.")).to_be_visible()
    screenshot(page, "13-results-open-fr")
    page.close()


def test_keyboard_only_voting(
    chromium: Any, live_server: Any, alice: User, election: Election, screenshot: Any
) -> None:
    base = live_server.url
    page = chromium.new_page()
    page.goto(f"{base}/login/")
    # The e-mail field has focus on arrival; Tab moves to the password, Enter submits.
    # Autofocus is applied by the browser after load: wait for it, or the first keys go nowhere.
    email = page.get_by_label("E-mail address")
    password = page.get_by_label("Password")
    expect(email).to_be_focused()
    page.keyboard.type(alice.email)
    expect(email).to_have_value(alice.email)
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type(PASSWORD)
    expect(password).to_have_value(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/elections/")
    page.goto(f"{base}/elections/{election.pk}/ballot/")
    focused = ""
    for _ in range(20):  # tab to the first candidate
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id")
        if focused.startswith("candidate-"):
            break
    assert focused.startswith("candidate-")
    page.keyboard.press("Space")  # choose Ada
    page.keyboard.press("ArrowDown")  # move to Grace: arrow keys change a radio group's choice
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    screenshot(page, "14-ballot-keyboard-focus")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "cast"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/elections/{election.pk}/receipt/")
    assert Vote.objects.count() == 1
    page.close()


def test_every_form_field_has_a_label(
    chromium: Any, live_server: Any, alice: User, election: Election
) -> None:
    base = live_server.url
    page = chromium.new_page()
    log_in(page, base, alice)
    for path in [
        "/elections/",
        f"/elections/{election.pk}/ballot/",
        f"/elections/{election.pk}/board/",
    ]:
        page.goto(base + path)
        unlabelled = page.evaluate(
            """Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
               .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
               .map(el => el.name)"""
        )
        assert unlabelled == [], path
    page.close()
