"""The schedule with every part real: an election given its times when it is created opens
by itself once its trustees' ceremony is complete and its opening time has come, a reminder
scheduled for a time in between goes out once, and the election closes by itself at its
closing time, through the backend's Celery worker and beat (every second here)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.backend import TRUSTEES, ApiSession, Backend
from tests.integration.cluster import Cluster, wait_until

pytestmark = pytest.mark.integration

# Long enough for the three trustees' ceremony to finish before the opening time.
OPENS_AFTER = timedelta(seconds=40)
OPEN_FOR = timedelta(seconds=8)
REMIND_AFTER_OPENING = timedelta(seconds=3)


@pytest.fixture
def backend(cluster: Cluster, tmp_path: Path) -> Iterator[Backend]:
    """The backend with its schedule run every second (other tests keep the default)."""
    running = Backend(cluster, tmp_path / "backend")
    running.intervals["SCHEDULE_INTERVAL_SECONDS"] = "1"
    try:
        yield running.start()
    finally:
        running.stop()


def state(staff: ApiSession, election_id: int) -> str:
    return str(staff.get(f"/api/elections/{election_id}/").json()["state"])


def wait_for_state(staff: ApiSession, election_id: int, wanted: str, until: datetime) -> float:
    """Poll until the election is in `wanted`, at the latest 30 s after `until`; when it was
    seen so (a UNIX time)."""
    timeout = (until - datetime.now(UTC)).total_seconds() + 30
    wait_until(lambda: state(staff, election_id) == wanted, timeout, f"the election {wanted}")
    return time.time()


def schedule_reminder(backend: Backend, election_id: int, send_at: datetime) -> None:
    """What the admin's "Schedule the reminder" button calls, as the official would."""
    script = (
        "from datetime import datetime\n"
        "from apps.elections.models import Election\n"
        "from apps.elections.reminders import schedule_reminder\n"
        f"schedule_reminder(Election.objects.get(pk={election_id}), "
        f"datetime.fromisoformat({send_at.isoformat()!r}))\n"
    )
    backend.shell(script)


def test_an_election_opens_and_closes_by_itself_at_its_times(
    backend: Backend, tmp_path: Path
) -> None:
    staff = backend.staff()
    opens_at = datetime.now(UTC) + OPENS_AFTER
    closes_at = opens_at + OPEN_FOR
    created = staff.post(
        "/api/elections/",
        {
            "title": "Scheduled",
            "candidates": ["Ada", "Grace"],
            "opens_at": opens_at.isoformat(),
            "closes_at": closes_at.isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    election_id = created.json()["id"]
    added = staff.post(f"/api/elections/{election_id}/voters/", [{"email": "v@example.org"}])
    assert added.status_code == 200, added.text
    schedule_reminder(backend, election_id, opens_at + REMIND_AFTER_OPENING)
    backend.create_trustee_accounts()
    named = staff.post(f"/api/elections/{election_id}/trustees", {"trustees": TRUSTEES})
    assert named.status_code == 200, named.text
    backend.run_ceremony(election_id, tmp_path / "trustees", [1, 2, 3])
    assert datetime.now(UTC) < opens_at, "the ceremony took longer than OPENS_AFTER"
    assert state(staff, election_id) == "draft"  # complete, but its time has not come

    opened = wait_for_state(staff, election_id, "open", opens_at)
    assert opened >= opens_at.timestamp()
    closed = wait_for_state(staff, election_id, "closed", closes_at)
    assert closed >= closes_at.timestamp()

    log = (backend.cluster.root / "logs" / "backend-worker.log").read_text()
    assert f"election opened on schedule id={election_id}" in log
    assert f"election closing on schedule id={election_id}" in log
    assert log.count(f"election closed id={election_id}") == 1
    # The console e-mail backend prints the reminder in the worker's log: one, to the voter.
    assert log.count("Subject: Reminder: you have not voted yet in Scheduled") == 1, log
    assert "To: v@example.org" in log and "/login/" in log
    assert f"reminder sent id=1 election={election_id} emails=1" in log
