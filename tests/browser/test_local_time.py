"""Times in the reader's own time zone: the voter's page and the admin's election page show
an election's closing time in UTC, and the page's script adds the browser's local time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from apps.accounts.models import User
from apps.elections.models import Election
from tests.browser.conftest import admin_page
from tests.browser.test_voting import log_in

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

CLOSES = datetime(2031, 3, 4, 17, 30, tzinfo=UTC)


def test_the_closing_time_is_shown_in_the_readers_time_zone_and_in_utc(
    chromium: Any, live_server: Any, alice: User, official: User, election: Election
) -> None:
    Election.objects.filter(pk=election.pk).update(closes_at=CLOSES)
    base = live_server.url
    context = chromium.new_context(timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    log_in(page, base, alice)
    closing = page.locator("p.schedule time")
    # 17:30 UTC is 12:30 in New York (EST, UTC-5) on 4 March.
    expect(closing).to_contain_text("12:30")
    expect(closing).to_contain_text("(2031-03-04 17:30 UTC)")
    context.close()

    admin = admin_page(chromium, base, official)
    admin.goto(f"{base}/admin/elections/election/{election.pk}/change/")
    expect(admin.locator("time.local-time").last).to_contain_text("2031-03-04 17:30 UTC)")
    admin.close()

    plain = chromium.new_context(java_script_enabled=False)
    page = plain.new_page()
    log_in(page, base, alice)
    expect(page.locator("p.schedule time")).to_have_text("2031-03-04 17:30 UTC")
    plain.close()
