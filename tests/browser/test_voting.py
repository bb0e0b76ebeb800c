"""Log in -> vote -> receipt -> confirmed -> (closed and tallied) -> results, in Chromium:
with JavaScript (the browser encrypts), without it (the server encrypts), in French, and by
keyboard only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.services import ballot_rules
from apps.elections.tests.chain import confirm_on_chain, tally_with_trustees
from apps.votes.models import Vote
from apps.votes.services import voter_pseudonym
from evcrypto import TrusteeKey, ballot_from_json, verify_ballot
from tests.browser.conftest import PASSWORD, admin_page
from tests.standin_validators import StandInNetwork

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def log_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/elections/")


def test_log_in_vote_receipt_confirmed_results_with_javascript(
    chromium: Any,
    live_server: Any,
    alice: User,
    official: User,
    election: Election,
    screenshot: Any,
    validators: StandInNetwork,
    trustee_keys: dict[int, TrusteeKey],
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
    page.get_by_role("button", name="Encrypt my ballot").click()
    page.get_by_role("button", name="Cast this ballot").click()
    page.wait_for_url(f"{base}/elections/{election.pk}/receipt/")
    # The request carried the encrypted ballot and no plain choice.
    body = posted[-1]
    assert "ballot=" in body and "candidate=" not in body
    vote = Vote.objects.get()
    rules = ballot_rules(election)
    ballot = ballot_from_json(vote.ballot.encode(), rules.public_key.group)
    verify_ballot(rules.parameters, rules.public_key, voter_pseudonym(election, alice), ballot)
    assert page.locator("#status").inner_text().startswith("pending")
    assert page.locator("#tracker").inner_text() == vote.tracker
    screenshot(page, "04-receipt-pending")
    # The status turns confirmed by itself: no navigation happens.
    page.evaluate("window.__sameDocument = true")
    validators.commit([])
    height = confirm_on_chain(validators, election)  # what the validators and receipts do
    page.wait_for_function(
        "document.getElementById('status').dataset.status === 'confirmed'", timeout=10_000
    )
    assert page.evaluate("window.__sameDocument") is True
    assert f"in block {height}" in page.locator("#block").inner_text()
    screenshot(page, "05-receipt-confirmed")
    tally_with_trustees(election, trustee_keys, [1, 3])  # the official, then two trustees
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
    page.get_by_role("button", name="Chiffrer mon bulletin").click()
    page.get_by_role("button", name="Déposer ce bulletin").click()
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
    page.keyboard.press("Enter")  # encrypt: focus moves to "Cast this ballot"
    expect(page.locator("#cast-encrypted")).to_be_focused()
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


def test_with_javascript_a_wrong_number_of_choices_sends_nothing(
    chromium: Any, live_server: Any, alice: User, election: Election
) -> None:
    base = live_server.url
    page = chromium.new_page()
    log_in(page, base, alice)
    page.goto(f"{base}/elections/{election.pk}/ballot/")
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)
    page.get_by_role("button", name="Encrypt my ballot").click()  # nothing chosen
    expect(page.get_by_role("alert")).to_have_text("Choose exactly 1 candidate.")
    assert posted == [] and not Vote.objects.exists()
    page.close()


def test_an_invited_voter_sets_a_password_logs_in_and_votes(
    chromium: Any,
    live_server: Any,
    official: User,
    draft: Election,
    screenshot: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
) -> None:
    """An official imports the roll; the invitation comes by e-mail; the voter chooses a
    password with its link, logs in and votes."""
    from django.core import mail

    from apps.accounts import invitations
    from apps.elections.services import open_election
    from apps.trustees.tests.ceremony import DEFAULT_TRUSTEES, complete_ceremony

    monkeypatch.setattr(
        "apps.accounts.tasks.send_invitations.delay", invitations.send_invitations
    )  # what the worker does
    base = live_server.url
    page = admin_page(chromium, base, official)
    page.goto(f"{base}/admin/elections/election/{draft.pk}/import-voters/")
    roll = tmp_path / "roll.csv"
    roll.write_text("email,name\nnina@example.org,Nina\n")
    page.set_input_files("input[type=file]", str(roll))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text("1 accounts created and invited by e-mail")).to_be_visible()
    screenshot(page, "15-roll-imported")
    complete_ceremony(draft, DEFAULT_TRUSTEES)
    open_election(draft)

    (invitation,) = [m for m in mail.outbox if m.to == ["nina@example.org"]]
    link = next(line for line in invitation.body.splitlines() if "/invitation/" in line)
    voter = chromium.new_page()
    voter.goto(link.replace("http://127.0.0.1:8000", base))
    expect(voter.get_by_role("heading", name="Choose your password")).to_be_visible()
    voter.get_by_label("New password", exact=True).fill("Nina's own long password")
    voter.get_by_label("New password again").fill("Nina's own long password")
    voter.get_by_role("button", name="Set the new password").click()
    expect(voter.get_by_text("Your new password is set.")).to_be_visible()
    voter.goto(f"{base}/login/")
    voter.get_by_label("E-mail address").fill("nina@example.org")
    voter.get_by_label("Password").fill("Nina's own long password")
    voter.get_by_role("button", name="Log in").click()
    voter.wait_for_url(f"{base}/elections/")
    voter.get_by_role("link", name="Vote").click()
    voter.get_by_label("Grace").check()
    voter.get_by_role("button", name="Encrypt my ballot").click()
    voter.get_by_role("button", name="Cast this ballot").click()
    voter.wait_for_url(f"{base}/elections/{draft.pk}/receipt/")
    screenshot(voter, "16-invited-voter-receipt")
    assert Vote.objects.filter(election=draft).count() == 1
    page.close()
    voter.close()


def test_the_verify_pages_command_lines_wrap_inside_the_page(
    chromium: Any,
    live_server: Any,
    alice: User,
    election: Election,
    validators: StandInNetwork,
    screenshot: Any,
) -> None:
    """The audit command names every validator: on a phone-sized screen it is far wider than
    the page, and must wrap inside its box rather than push the page sideways."""
    base = live_server.url
    page = chromium.new_page(viewport={"width": 400, "height": 800})
    log_in(page, base, alice)
    page.goto(f"{base}/elections/{election.pk}/verify/")
    commands = page.locator("pre")
    expect(commands).to_contain_text("python -m validators.audit --genesis genesis.json --node")
    screenshot(page, "08-verify-narrow")
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = commands.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    page.close()
