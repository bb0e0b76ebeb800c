"""POST /api/votes/submit: a client-made ballot, or a choice the server encrypts."""

from __future__ import annotations

import base64
import json

import pytest

from apps.accounts.models import User
from apps.api.tests.conftest import api_as, assert_error, candidates, client_ballot
from apps.elections.models import Election, RollEntry
from apps.elections.services import close_election
from apps.votes.models import Vote
from evcrypto import ballot_from_json, ballot_tracker, group_named

pytestmark = pytest.mark.django_db


def submit(user: User, body: object):  # type: ignore[no-untyped-def]
    return api_as(user).post("/api/votes/submit", body, format="json")


def encoded(ballot: bytes) -> str:
    return base64.b64encode(ballot).decode()


def test_a_voter_casts_a_choice_and_gets_a_pending_receipt(election: Election, alice: User) -> None:
    grace = candidates(election)[1]
    response = submit(alice, {"election_id": election.pk, "candidate_id": grace.pk})
    assert response.status_code == 201, response.content
    receipt = response.json()
    assert receipt["status"] == "pending" and receipt["election_id"] == election.pk
    vote = Vote.objects.get(transaction_id=receipt["transaction_id"])
    assert vote.tracker == receipt["tracker"]
    assert RollEntry.objects.get(election=election, user=alice).voted_at is not None


def test_the_stored_vote_does_not_say_whom_it_chose(election: Election, alice: User) -> None:
    grace = candidates(election)[1]
    submit(alice, {"election_id": election.pk, "candidate_id": grace.pk})
    vote = Vote.objects.get()
    assert not {"candidate", "candidate_id", "choice"} & {f.name for f in Vote._meta.fields}
    ballot = json.loads(vote.ballot)
    assert set(ballot) == {"election_hash", "voter", "selections", "count_proof"}
    assert all(set(s) == {"alpha", "beta", "proof"} for s in ballot["selections"])


def test_a_voter_casts_a_ballot_she_encrypted_herself(election: Election, alice: User) -> None:
    ballot = client_ballot(election, alice, [0, 0, 1])
    response = submit(alice, {"election_id": election.pk, "encrypted_vote": encoded(ballot)})
    assert response.status_code == 201, response.content
    group = group_named("secp256k1")
    assert response.json()["tracker"] == ballot_tracker(ballot_from_json(ballot, group))


def test_a_voter_who_voted_gets_a_409_the_second_time(election: Election, alice: User) -> None:
    first, second = candidates(election)[:2]
    submit(alice, {"election_id": election.pk, "candidate_id": first.pk})
    response = submit(alice, {"election_id": election.pk, "candidate_id": second.pk})
    assert_error(response, 409, "already_voted")
    ballot = client_ballot(election, alice, [0, 1, 0])
    response = submit(alice, {"election_id": election.pk, "encrypted_vote": encoded(ballot)})
    assert_error(response, 409, "already_voted")
    assert Vote.objects.count() == 1


def test_a_ballot_made_for_another_voter_is_a_400_naming_the_check(
    election: Election, alice: User, bob: User
) -> None:
    made_for_bob = client_ballot(election, bob, [1, 0, 0])
    response = submit(alice, {"election_id": election.pk, "encrypted_vote": encoded(made_for_bob)})
    body = assert_error(response, 400, "invalid_ballot")
    assert "another voter" in body["detail"]
    assert not Vote.objects.exists()


def test_a_ballot_relabelled_for_this_voter_fails_its_proofs(
    election: Election, alice: User, bob: User
) -> None:
    document = json.loads(client_ballot(election, bob, [1, 0, 0]))
    document["voter"] = json.loads(client_ballot(election, alice, [1, 0, 0]))["voter"]
    ballot = json.dumps(document).encode()
    response = submit(alice, {"election_id": election.pk, "encrypted_vote": encoded(ballot)})
    body = assert_error(response, 400, "invalid_ballot")
    assert "proof" in body["detail"]


def test_a_ballot_whose_proof_was_tampered_with_is_a_400(election: Election, alice: User) -> None:
    document = json.loads(client_ballot(election, alice, [1, 0, 0]))
    flip_last_hex_digit(document)
    ballot = json.dumps(document).encode()
    response = submit(alice, {"election_id": election.pk, "encrypted_vote": encoded(ballot)})
    body = assert_error(response, 400, "invalid_ballot")
    assert "proof" in body["detail"]
    assert RollEntry.objects.get(election=election, user=alice).voted_at is None


def flip_last_hex_digit(document: object) -> bool:
    """Change one hex digit of the last scalar in the ballot (a proof response)."""
    items = list(document.items()) if isinstance(document, dict) else list(enumerate(document))  # type: ignore[union-attr]
    for key, value in reversed(items):
        if isinstance(value, str) and len(value) == 64:
            document[key] = value[:-1] + ("0" if value[-1] != "0" else "1")  # type: ignore[index]
            return True
        if isinstance(value, dict | list) and flip_last_hex_digit(value):
            return True
    return False


@pytest.mark.parametrize(
    ("encrypted_vote", "says"),
    [
        ("not base64!", "base64"),
        (base64.b64encode(b"\xff\xfe garbage").decode(), "json"),
        (base64.b64encode(b'{"selections": []}').decode(), "ballot"),
        (base64.b64encode(b"[1, 2, 3]").decode(), "ballot"),
        (base64.b64encode(b"1e999").decode(), "json"),
        (base64.b64encode(b"[" * 5000 + b"]" * 5000).decode(), "json"),
    ],
)
def test_a_malformed_ballot_is_a_400_saying_what_is_wrong(
    election: Election, alice: User, encrypted_vote: str, says: str
) -> None:
    response = submit(alice, {"election_id": election.pk, "encrypted_vote": encrypted_vote})
    body = assert_error(response, 400, "invalid_ballot")
    assert says in body["detail"].lower()


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"candidate_id": 1, "encrypted_vote": "e30="},
        {"candidate_id": 1, "candidate_ids": [1]},
        {"candidate_id": "one"},
        {"candidate_id": 2**70},
        {"candidate_ids": []},
        {"encrypted_vote": "x" * 300_000},
    ],
)
def test_anything_but_exactly_one_well_typed_choice_is_a_400(
    election: Election, alice: User, extra: dict[str, object]
) -> None:
    assert_error(submit(alice, {"election_id": election.pk} | extra), 400, "invalid")
    assert not Vote.objects.exists()


def test_a_candidate_of_another_election_is_a_400(
    election: Election, draft_election: Election, alice: User, official: User
) -> None:
    response = api_as(official).post(
        "/api/elections/", {"title": "Other", "candidates": ["Zed"]}, format="json"
    )
    other_candidate = response.json()["candidates"][0]["id"]
    response = submit(alice, {"election_id": election.pk, "candidate_id": other_candidate})
    assert_error(response, 422, "invalid_input")


def test_carol_off_the_roll_gets_a_403(election: Election, carol: User) -> None:
    response = submit(
        carol, {"election_id": election.pk, "candidate_id": candidates(election)[0].pk}
    )
    assert_error(response, 403, "not_on_roll")
    assert not Vote.objects.exists()


def test_an_official_off_the_roll_cannot_vote_either(election: Election, official: User) -> None:
    response = submit(
        official, {"election_id": election.pk, "candidate_id": candidates(election)[0].pk}
    )
    assert_error(response, 403, "not_on_roll")


def test_a_closed_election_is_a_409(election: Election, alice: User) -> None:
    close_election(election)
    response = submit(
        alice, {"election_id": election.pk, "candidate_id": candidates(election)[0].pk}
    )
    assert_error(response, 409, "election_not_open")


def test_a_draft_election_is_a_409(draft_election: Election, alice: User) -> None:
    choice = candidates(draft_election)[0].pk
    response = submit(alice, {"election_id": draft_election.pk, "candidate_id": choice})
    assert_error(response, 409, "election_not_open")


def test_an_unknown_election_is_a_404(alice: User) -> None:
    assert_error(submit(alice, {"election_id": 4242, "candidate_id": 1}), 404, "not_found")


def test_submitting_needs_a_token(election: Election) -> None:
    response = api_as(None).post(
        "/api/votes/submit", {"election_id": election.pk, "candidate_id": 1}, format="json"
    )
    assert_error(response, 401, "not_authenticated")
