"""POST /api/votes/spoil: a ballot challenged instead of cast (the Benaloh challenge). The
revealed randomness must re-create the ciphertexts for the claimed choice; every bad input is a
400 naming the problem and stores nothing."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from apps.accounts.models import User
from apps.api.tests.conftest import api_as, assert_error
from apps.elections.models import Election
from apps.elections.services import (
    VoterRow,
    add_voters,
    create_election,
    open_election,
)
from apps.trustees.tests.ceremony import complete_ceremony
from apps.votes.models import SpoiledBallot, Vote
from apps.votes.tests.spoiling import revealed
from evcrypto import SpoiledBallot as Revealed
from evcrypto import ballot_to_json

pytestmark = pytest.mark.django_db


def body(election: Election, ballot: Revealed, **change: Any) -> dict[str, Any]:
    group = ballot.ballot.group
    data: dict[str, Any] = {
        "election_id": election.pk,
        "encrypted_vote": base64.b64encode(ballot_to_json(ballot.ballot)).decode(),
        "randomness": [group.scalar_hex(r) for r in ballot.randomness],
        "choice": list(ballot.choices),
    }
    return data | change


def spoil(user: User | None, data: dict[str, Any]) -> Any:
    return api_as(user).post("/api/votes/spoil", data, format="json")


def test_a_checked_ballot_is_stored_as_spoiled_and_decoded(election: Election, alice: User) -> None:
    ballot = revealed(election, alice, [0, 1, 0])
    response = spoil(alice, body(election, ballot))
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["tracker"] == ballot.tracker and answer["choice"] == [0, 1, 0]
    assert [c["name"] for c in answer["candidates"]] == ["Grace"]
    assert answer["check_url"] == f"/check/?tracker={ballot.tracker}"
    assert Vote.objects.count() == 0 and SpoiledBallot.objects.count() == 1
    # Spoiling never stops casting.
    cast = {"election_id": election.pk, "encrypted_vote": body(election, ballot)["encrypted_vote"]}
    fresh = revealed(election, alice, [1, 0, 0])
    cast["encrypted_vote"] = base64.b64encode(ballot_to_json(fresh.ballot)).decode()
    assert api_as(alice).post("/api/votes/submit", cast, format="json").status_code == 201


def test_wrong_randomness_is_a_400_naming_the_selection(election: Election, alice: User) -> None:
    ballot = revealed(election, alice, [0, 1, 0])
    randomness = body(election, ballot)["randomness"]
    randomness[1] = randomness[0]
    answer = assert_error(
        spoil(alice, body(election, ballot, randomness=randomness)), 400, "invalid_ballot"
    )
    assert (
        "selection 1 (Grace): the revealed randomness does not re-create alpha" in answer["detail"]
    )
    assert SpoiledBallot.objects.count() == 0


def test_another_claimed_choice_is_a_400_naming_the_mismatch(
    election: Election, alice: User
) -> None:
    ballot = revealed(election, alice, [0, 1, 0])
    answer = assert_error(
        spoil(alice, body(election, ballot, choice=[0, 0, 1])), 400, "invalid_ballot"
    )
    assert "selection 1 (Grace): the choice says 0, the ciphertext encrypts 1" in answer["detail"]
    assert SpoiledBallot.objects.count() == 0


@pytest.mark.parametrize(
    ("choice", "code", "problem"),
    [
        ([1, 1, 0], "invalid_ballot", "2 selections outside 1..1"),
        ([0, 0, 0], "invalid_ballot", "0 selections outside 1..1"),
        ([0, 2, 0], "invalid_ballot", "every choice must be the integer 0 or 1"),
        ([0, 101, 0], "invalid", "choice[1]: Ensure this value is less than or equal to 100"),
        ([0, 1], "invalid_ballot", "choice needs one entry per candidate"),
    ],
)
def test_a_choice_outside_the_range_is_a_400_naming_it(
    election: Election, alice: User, choice: list[int], code: str, problem: str
) -> None:
    ballot = revealed(election, alice, [0, 1, 0])
    answer = assert_error(spoil(alice, body(election, ballot, choice=choice)), 400, code)
    assert problem in answer["detail"]
    assert SpoiledBallot.objects.count() == 0


def test_another_elections_ballot_is_a_400(
    election: Election, alice: User, trustee_keys: Any
) -> None:
    other = create_election("Other election", ["Ada", "Grace", "Linus"])
    add_voters(other, [VoterRow(alice.email)])
    complete_ceremony(other, ["tina@example.org", "theo@example.org", "tara@example.org"])
    other = open_election(other)
    elsewhere = revealed(other, alice, [0, 1, 0])
    answer = assert_error(spoil(alice, body(election, elsewhere)), 400, "invalid_ballot")
    assert "cast for another election" in answer["detail"]
    assert SpoiledBallot.objects.count() == 0


def test_after_casting_spoiling_is_a_409(election: Election, alice: User) -> None:
    cast = revealed(election, alice, [1, 0, 0])
    encoded = base64.b64encode(ballot_to_json(cast.ballot)).decode()
    submitted = {"election_id": election.pk, "encrypted_vote": encoded}
    assert api_as(alice).post("/api/votes/submit", submitted, format="json").status_code == 201
    response = spoil(alice, body(election, revealed(election, alice, [0, 1, 0])))
    assert_error(response, 409, "already_voted")
    assert SpoiledBallot.objects.count() == 0


def test_outsiders_and_anonymous_callers_cannot_spoil(
    election: Election, alice: User, carol: User
) -> None:
    data = body(election, revealed(election, alice, [0, 1, 0]))
    assert spoil(None, data).status_code == 401
    assert spoil(carol, data).status_code == 403
    assert SpoiledBallot.objects.count() == 0
