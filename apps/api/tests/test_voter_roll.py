"""Officials only: POST /api/elections/{id}/voters/, bulk and idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.api.tests.conftest import api_as, assert_error
from apps.elections.models import Election, RollEntry

pytestmark = pytest.mark.django_db


def add(official: User, election: Election, rows: object):  # type: ignore[no-untyped-def]
    return api_as(official).post(f"/api/elections/{election.pk}/voters/", rows, format="json")


def test_new_voters_get_accounts_and_a_place_on_the_roll(
    draft_election: Election, official: User
) -> None:
    rows = [{"email": "dave@example.org", "name": "Dave"}, {"email": "Erin@Example.org"}]
    response = add(official, draft_election, rows)
    assert response.status_code == 200, response.content
    assert response.json() == {"added": 2, "already_on_roll": 0, "users_created": 2}
    dave = User.objects.get(email="dave@example.org")
    assert dave.name == "Dave" and not dave.has_usable_password()
    assert User.objects.filter(email="erin@example.org").exists()


def test_adding_the_same_voters_again_changes_nothing(
    draft_election: Election, official: User, alice: User, carol: User
) -> None:
    rows = [{"email": alice.email}, {"email": carol.email}]
    assert add(official, draft_election, rows).json() == {
        "added": 1,
        "already_on_roll": 1,
        "users_created": 0,
    }
    assert add(official, draft_election, rows).json() == {
        "added": 0,
        "already_on_roll": 2,
        "users_created": 0,
    }
    assert RollEntry.objects.filter(election=draft_election).count() == 3


def test_a_password_is_not_taken_from_the_official(
    draft_election: Election, official: User
) -> None:
    add(official, draft_election, [{"email": "dave@example.org", "password": "s3cret-pw"}])
    response = APIClient().post(
        "/api/auth/login", {"email": "dave@example.org", "password": "s3cret-pw"}, format="json"
    )
    assert response.status_code == 401


def test_a_name_over_the_limit_is_refused_even_with_spaces_around(
    draft_election: Election, official: User
) -> None:
    response = add(official, draft_election, [{"email": "d@example.org", "name": " " + "x" * 200}])
    assert_error(response, 400, "invalid")
    assert not User.objects.filter(email="d@example.org").exists()


def test_officials_send_invitations_again(
    draft_election: Election,
    official: User,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent: list[list[int]] = []
    monkeypatch.setattr("apps.accounts.tasks.send_invitations.delay", lambda e, u: sent.append(u))
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(official).post(
            f"/api/elections/{draft_election.pk}/invitations", {"emails": []}, format="json"
        )
    assert response.json() == {"queued": 2}  # alice and bob, who never logged in
    assert len(sent) == 1 and len(sent[0]) == 2


def test_one_bad_row_is_a_400_naming_it_and_adds_nobody(
    draft_election: Election, official: User
) -> None:
    rows = [{"email": "dave@example.org"}, {"email": "not an address"}]
    body = assert_error(add(official, draft_election, rows), 400, "invalid")
    assert body["detail"].startswith("[1].email:")
    assert not User.objects.filter(email="dave@example.org").exists()


@pytest.mark.parametrize("rows", [{"email": "a@example.org"}, "a@example.org", None, [[]], [7]])
def test_rows_that_are_not_a_list_of_objects_are_a_400(
    draft_election: Election, official: User, rows: object
) -> None:
    assert_error(add(official, draft_election, rows), 400, "invalid")


def test_a_voter_cannot_add_voters(draft_election: Election, alice: User) -> None:
    response = add(alice, draft_election, [{"email": "friend@example.org"}])
    assert_error(response, 403, "not_staff")
    assert not User.objects.filter(email="friend@example.org").exists()
