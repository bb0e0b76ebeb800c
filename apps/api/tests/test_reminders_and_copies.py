"""Officials through the API: /api/elections/{id}/reminders (list; send now or later) and
/api/elections/{id}/copy (a new draft). Who may, and what is refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from apps.accounts.models import User
from apps.api.tests.conftest import api_as, assert_error
from apps.elections.models import Election, Reminder
from apps.votes.services import cast_choice
from evoting.celery import app

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def worker_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's tasks run in this process when they are queued (no broker here)."""
    monkeypatch.setattr(app.conf, "task_always_eager", True)


def test_an_official_sends_a_reminder_now_and_lists_it(
    election: Election, official: User, alice: User
) -> None:
    cast_choice(election, alice, [election.candidates.first().pk])  # type: ignore[union-attr]
    mail.outbox.clear()
    client = api_as(official)
    sent = client.post(f"/api/elections/{election.pk}/reminders", {}, format="json")
    assert sent.status_code == 201, sent.content
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]
    listed = client.get(f"/api/elections/{election.pk}/reminders").json()
    assert [(r["id"], r["state"], r["sent"]) for r in listed] == [(sent.json()["id"], "sent", 1)]


def test_a_reminder_for_later_is_scheduled_and_a_past_time_refused(
    election: Election, official: User
) -> None:
    client = api_as(official)
    later = (timezone.now() + timedelta(hours=2)).isoformat()
    scheduled = client.post(
        f"/api/elections/{election.pk}/reminders", {"send_at": later}, format="json"
    )
    assert scheduled.status_code == 201 and scheduled.json()["state"] == "scheduled"
    assert not mail.outbox
    past = (timezone.now() - timedelta(hours=2)).isoformat()
    refused = client.post(
        f"/api/elections/{election.pk}/reminders", {"send_at": past}, format="json"
    )
    assert "must be in the future" in assert_error(refused, 422, "invalid_input")["detail"]
    malformed = client.post(
        f"/api/elections/{election.pk}/reminders", {"send_at": "tomorrow"}, format="json"
    )
    assert malformed.status_code == 400
    assert Reminder.objects.count() == 1


def test_a_reminder_now_for_a_draft_is_a_409(draft_election: Election, official: User) -> None:
    response = api_as(official).post(
        f"/api/elections/{draft_election.pk}/reminders", {}, format="json"
    )
    assert_error(response, 409, "wrong_state")
    assert not Reminder.objects.exists()


@pytest.mark.parametrize(
    ("who", "method", "path", "status"),
    [
        ("alice", "post", "reminders", 403),
        ("alice", "get", "reminders", 403),
        ("observer", "post", "reminders", 403),
        ("observer", "get", "reminders", 200),
        ("alice", "post", "copy", 403),
        ("observer", "post", "copy", 403),
    ],
)
def test_only_officials_with_the_permission_remind_or_copy(
    election: Election, who: str, method: str, path: str, status: int, request: Any
) -> None:
    user = request.getfixturevalue(who)
    call = getattr(api_as(user), method)
    response = call(f"/api/elections/{election.pk}/{path}", {}, format="json")
    assert response.status_code == status, response.content
    if status == 403:
        assert_error(response, 403, "not_staff")
    assert not Reminder.objects.exists() and Election.objects.count() == 1
    assert not mail.outbox


def test_an_official_copies_an_open_election_as_a_new_draft(
    election: Election, official: User
) -> None:
    response = api_as(official).post(f"/api/elections/{election.pk}/copy", {}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] != election.pk and body["state"] == "draft"
    assert body["title"] == "Board (copy)" and body["public_key"] is None
    assert [c["name"] for c in body["candidates"]] == ["Ada", "Grace", "Linus"]
    copy = Election.objects.get(pk=body["id"])
    assert sorted(e.user.email for e in copy.roll.all()) == ["alice@example.org", "bob@example.org"]
