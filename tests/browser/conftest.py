"""Playwright (Python) drives Debian's Chromium through the voter pages on a live server.

Personas: `alice`, a voter on the roll of `election` (open, three candidates, pick one), and
`official`, who closes and tallies it (through the verbs, with the chain stubbed). Delivery to
validators is stubbed: the receipt stays `pending` until a test confirms the vote itself.
Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.services import VoterRow, add_voters, create_election, open_election

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Chromium with Playwright (make browser)")


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed: run make chromium")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def no_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("apps.votes.services._schedule_delivery", lambda: None)


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alice(transactional_db: None) -> User:
    return User.objects.create_user("alice@example.org", PASSWORD, name="Alice")


@pytest.fixture
def official(transactional_db: None) -> User:
    return User.objects.create_user("official@example.org", PASSWORD, is_staff=True)


@pytest.fixture
def election(alice: User) -> Election:
    draft = create_election("Board election", ["Ada", "Grace", "Linus"], description="Pick one.")
    add_voters(draft, [VoterRow(alice.email)])
    return open_election(draft)


@pytest.fixture
def screenshot() -> object:
    ARTIFACTS.mkdir(exist_ok=True)

    def save(page: object, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]

    return save
