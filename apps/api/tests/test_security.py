"""Attacks through the API and on the roll: who may run an election, the fixed roll, body
sizes and malformed bodies."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError
from django.test import Client

from apps.accounts.models import User
from apps.api.tests.conftest import api_as, assert_error
from apps.elections.errors import WrongState
from apps.elections.models import Election
from apps.elections.services import VoterRow, add_voters
from apps.votes.services import cast_choice

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("verb", ["open", "close", "tally"])
def test_staff_who_may_only_look_cannot_run_an_election(
    election: Election, observer: User, verb: str
) -> None:
    response = api_as(observer).post(f"/api/elections/{election.pk}/{verb}")
    assert_error(response, 403, "not_staff")
    election.refresh_from_db()
    assert election.state == Election.State.OPEN


def test_staff_who_may_only_look_cannot_create_an_election_or_name_trustees(
    draft_election: Election, observer: User
) -> None:
    created = api_as(observer).post(
        "/api/elections/", {"title": "X", "candidates": ["A"]}, format="json"
    )
    assert_error(created, 403, "not_staff")
    named = api_as(observer).post(
        f"/api/elections/{draft_election.pk}/trustees",
        {"trustees": ["t@example.org"]},
        format="json",
    )
    assert_error(named, 403, "not_staff")
    assert Election.objects.count() == 1 and not draft_election.trustees.exists()


def test_nobody_is_added_to_the_roll_of_an_open_election(
    election: Election, official: User
) -> None:
    response = api_as(official).post(
        f"/api/elections/{election.pk}/voters/", [{"email": "late@example.org"}], format="json"
    )
    assert_error(response, 409, "wrong_state")
    assert not User.objects.filter(email="late@example.org").exists()
    with pytest.raises(WrongState):
        add_voters(election, [VoterRow("late@example.org")])


def test_a_voter_who_voted_cannot_be_deleted_and_made_again_for_a_second_ballot(
    election: Election, alice: User
) -> None:
    cast_choice(election, alice, [election.candidates.first().pk])
    with pytest.raises(ProtectedError):
        alice.delete()
    assert election.roll.filter(user=alice, voted_at__isnull=False).exists()


def test_a_log_in_body_larger_than_the_limit_is_a_413(db: None, settings: object) -> None:
    body = b'{"email": "a@example.org", "password": "' + b"x" * 3_000_000 + b'"}'
    response = Client().post("/api/auth/login", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
