"""Playwright (Python) drives Debian's Chromium through the voter pages on a live server.

Personas: `alice`, a voter on the roll of `election` (open, three candidates, pick one, its key
made by three trustees, 2 of 3, whose shares are `trustee_keys`), and `official`, who closes
and tallies it (through the verbs). Delivery to validators is stubbed: the receipt stays
`pending` until a test puts the vote on the stand-in validators' chain itself.
Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.services import VoterRow, add_voters, create_election, open_election
from apps.elections.tests.chain import validators  # noqa: F401 (a fixture)
from apps.elections.tests.jobs import jobs_in_threads  # noqa: F401 (a fixture)
from apps.trustees.tests.ceremony import DEFAULT_TRUSTEES, complete_ceremony
from evcrypto import TrusteeKey

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
    config.addinivalue_line(
        "markers", "large: a browser test over bench-sized data, minutes long (make test-large)"
    )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """On SQLite, the test database is a file here, not Django's shared in-memory one: the
    live server's threads and a background job write and read at once, and a shared-cache
    in-memory database answers "table is locked" at once where a file waits its turn."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        path = tmp_path_factory.mktemp("database") / "browser.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)


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
    """Staff with the permissions that run elections."""
    user = User.objects.create_user("official@example.org", PASSWORD, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["add_election", "change_election", "view_election", "view_rollentry"]
        )
    )
    return user


@pytest.fixture
def draft(alice: User) -> Election:
    draft = create_election("Board election", ["Ada", "Grace", "Linus"], description="Pick one.")
    add_voters(draft, [VoterRow(alice.email)])
    return draft


@pytest.fixture
def trustee_keys(draft: Election) -> dict[int, TrusteeKey]:
    return complete_ceremony(draft, DEFAULT_TRUSTEES)


@pytest.fixture
def election(draft: Election, trustee_keys: dict[int, TrusteeKey]) -> Election:
    return open_election(draft)


@pytest.fixture
def screenshot() -> object:
    ARTIFACTS.mkdir(exist_ok=True)

    def save(page: object, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]

    return save


def admin_page(chromium: Any, base_url: str, user: User) -> Any:
    """A new page, logged in to the admin as `user`."""
    page = chromium.new_page()
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page
