"""Officials only: POST /api/elections/ and /api/elections/{id}/open, /close, /tally, and
naming trustees (/trustees, /ceremony, /start-ceremony, /restart-ceremony, /replace-trustee)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import SettingsWrapper

from apps.accounts.models import User
from apps.api.tests.conftest import api_as, assert_error, candidates
from apps.elections.ballot_size import ballot_bytes
from apps.elections.models import Election
from apps.elections.tests.chain import confirm_on_chain
from apps.elections.tests.jobs import run_queued_jobs
from apps.network.tests.network import point_at_network
from apps.trustees.tests.ceremony import decrypt_as_trustees
from apps.votes.services import cast_choice
from evcrypto import ElectionParameters, TrusteeKey
from tests.standin_validators import StandInNetwork
from validators.chain.network_files import NetworkParameters, create_network

pytestmark = pytest.mark.django_db

NEW_ELECTION = {
    "title": "Chair",
    "description": "One seat",
    "candidates": ["Ada", "Grace"],
    "min_selections": 1,
    "max_selections": 1,
}


def test_an_official_creates_a_draft_election_with_candidates(official: User) -> None:
    response = api_as(official).post("/api/elections/", NEW_ELECTION, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft" and body["title"] == "Chair"
    assert [c["name"] for c in body["candidates"]] == ["Ada", "Grace"]
    assert Election.objects.get(pk=body["id"]).candidates.count() == 2


def test_a_voter_cannot_create_an_election(alice: User) -> None:
    response = api_as(alice).post("/api/elections/", NEW_ELECTION, format="json")
    assert_error(response, 403, "not_staff")
    assert not Election.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"candidates": ["Ada", "Ada"]},
        {"candidates": ["Ada", "  "]},
        {"min_selections": 2, "max_selections": 1},
        {"max_selections": 3},
        {"title": "   "},
        {"opens_at": "2030-01-02T00:00:00Z", "closes_at": "2030-01-01T00:00:00Z"},
    ],
)
def test_an_impossible_election_is_refused(official: User, change: dict[str, object]) -> None:
    """400 where the schema itself rules the request out, 422 where only the verb can."""
    response = api_as(official).post("/api/elections/", NEW_ELECTION | change, format="json")
    assert (response.status_code, response.json()["code"]) in {
        (400, "invalid"),
        (422, "invalid_input"),
    }, response.content
    assert not Election.objects.exists()


def test_an_official_names_trustees_and_the_ceremony_starts(
    draft_election: Election, official: User
) -> None:
    emails = ["t1@example.org", "t2@example.org", "t3@example.org"]
    response = api_as(official).post(
        f"/api/elections/{draft_election.pk}/trustees", {"trustees": emails}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["election"]["label"] == "2 of 3" and body["election"]["ceremony_id"]
    assert [t["email"] for t in body["trustees"]] == emails
    assert body["complete"] is False
    assert "trustee 1 (t1@example.org): publish an encryption key" in body["problems"]
    assert api_as(official).get(f"/api/elections/{draft_election.pk}/ceremony").json() == body


def test_a_single_trustee_is_labelled_as_one(draft_election: Election, official: User) -> None:
    response = api_as(official).post(
        f"/api/elections/{draft_election.pk}/trustees",
        {"trustees": ["solo@example.org"]},
        format="json",
    )
    assert response.json()["election"]["label"] == (
        "1 of 1: a single trustee can decrypt every ballot alone"
    )


def test_a_ballot_too_large_for_the_chain_is_refused_before_the_ceremony(
    official: User, tmp_path: Path, settings: SettingsWrapper
) -> None:
    """The validators refuse payloads over genesis's max_payload_bytes: a ballot of 100
    candidates (78 kB) would be accepted here and never reach the chain."""
    client = api_as(official)
    many = [f"Candidate {i}" for i in range(100)]
    created = client.post("/api/elections/", NEW_ELECTION | {"candidates": many}, format="json")
    assert created.status_code == 201, created.content
    election_id = created.json()["id"]
    assert ballot_bytes(ElectionParameters("e", "Chair", tuple(many))) > 65536
    network = NetworkParameters(
        validator_urls=("http://127.0.0.1:9",),
        block_interval_ms=1000,
        max_block_txs=10,
        max_payload_bytes=65536,
        bootnode_url="http://127.0.0.1:9",
    )
    create_network(tmp_path / "network", network)
    point_at_network(settings, tmp_path / "network")
    refused = client.post(
        f"/api/elections/{election_id}/trustees", {"trustees": ["t@example.org"]}, format="json"
    )
    assert_error(refused, 422, "ballot_too_large")
    assert "at most 65536 per transaction" in refused.json()["detail"]
    election = Election.objects.get(pk=election_id)
    assert election.ceremony_id == "" and not election.trustees.exists()
    fits = client.post("/api/elections/", NEW_ELECTION, format="json").json()["id"]
    named = client.post(
        f"/api/elections/{fits}/trustees", {"trustees": ["t@example.org"]}, format="json"
    )
    assert named.status_code == 200, named.content


@pytest.mark.parametrize(
    "body",
    [
        {"trustees": []},
        {"trustees": ["a@example.org", "a@example.org"]},
        {"trustees": ["a@example.org", "b@example.org"], "threshold": 3},
        {"trustees": ["a@example.org"], "threshold": 0},
        {"trustees": ["not an e-mail"]},
    ],
)
def test_impossible_trustees_are_refused(
    draft_election: Election, official: User, body: dict[str, object]
) -> None:
    response = api_as(official).post(
        f"/api/elections/{draft_election.pk}/trustees", body, format="json"
    )
    assert response.status_code in (400, 422), response.content
    draft_election.refresh_from_db()
    assert draft_election.ceremony_id == "" and not draft_election.trustees.exists()


def test_opening_before_the_ceremony_is_complete_is_a_409(
    draft_election: Election, official: User
) -> None:
    response = api_as(official).post(f"/api/elections/{draft_election.pk}/open")
    assert_error(response, 409, "wrong_state")
    assert "no trustees are named" in response.json()["detail"]


def test_an_official_opens_a_draft_once_its_trustees_made_its_key(
    draft_election: Election, official: User, trustee_keys: dict[int, TrusteeKey]
) -> None:
    response = api_as(official).post(f"/api/elections/{draft_election.pk}/open")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "open" and body["public_key"]["group"] == "secp256k1"
    assert body["public_key"]["threshold"] == 2 and len(body["public_key"]["commitments"]) == 3
    assert body["accepting_votes"] is True


def test_opening_an_open_election_again_is_a_409(election: Election, official: User) -> None:
    response = api_as(official).post(f"/api/elections/{election.pk}/open")
    assert_error(response, 409, "wrong_state")


def test_voters_cannot_open_close_or_tally(election: Election, alice: User) -> None:
    for verb in ("open", "close", "tally"):
        response = api_as(alice).post(f"/api/elections/{election.pk}/{verb}")
        assert_error(response, 403, "not_staff")
    election.refresh_from_db()
    assert election.state == "open"


def test_closing_and_tallying_publish_the_plain_count(
    election: Election,
    official: User,
    alice: User,
    bob: User,
    validators: StandInNetwork,
    trustee_keys: dict[int, TrusteeKey],
) -> None:
    grace = candidates(election)[1]
    cast_choice(election, alice, [grace.pk])
    cast_choice(election, bob, [grace.pk])
    client = api_as(official)
    assert client.post(f"/api/elections/{election.pk}/close").status_code == 202
    run_queued_jobs()
    election.refresh_from_db()
    assert election.state == "closed"
    in_flight = client.post(f"/api/elections/{election.pk}/tally")
    assert_error(in_flight, 409, "delivery_in_progress")  # neither vote is confirmed yet
    confirm_on_chain(validators, election)
    response = client.post(f"/api/elections/{election.pk}/tally")
    assert response.status_code == 202, response.content
    [job] = run_queued_jobs()
    assert job.state == "done" and job.result["election_state"] == "tallying"
    decrypt_as_trustees(election, trustee_keys, [1])
    waiting = client.post(f"/api/elections/{election.pk}/tally")
    assert_error(waiting, 409, "not_enough_decryptions")
    assert waiting.json()["detail"].startswith(
        "1 of the 2 partial decryptions needed (from trustee 1 (tina@example.org))"
    )
    decrypt_as_trustees(election, trustee_keys, [3])
    election.refresh_from_db()
    assert election.state == "tallied" and election.results["counts"] == [0, 2, 0]


def test_an_open_election_cannot_be_tallied(election: Election, official: User) -> None:
    response = api_as(official).post(f"/api/elections/{election.pk}/tally")
    assert_error(response, 409, "wrong_state")


def test_tallying_with_no_validator_reachable_fails_the_job(
    election: Election, official: User, validators: StandInNetwork
) -> None:
    for node in validators.nodes.values():
        node.down = True
    client = api_as(official)
    client.post(f"/api/elections/{election.pk}/close")
    run_queued_jobs()
    response = client.post(f"/api/elections/{election.pk}/tally")
    assert response.status_code == 202
    run_queued_jobs()
    job = client.get(response.json()["status_url"]).json()
    assert job["state"] == "failed" and job["error_code"] == "chain_unavailable"
    assert "only 0 of the 2 validators needed gave a chain that verifies" in job["error"]
    election.refresh_from_db()
    assert election.state == "closed"


def test_a_verb_on_an_unknown_election_is_a_404(official: User) -> None:
    assert_error(api_as(official).post("/api/elections/4242/open"), 404, "not_found")


def test_reading_with_the_wrong_method_is_a_json_405(election: Election, official: User) -> None:
    assert_error(
        api_as(official).get(f"/api/elections/{election.pk}/open"), 405, "method_not_allowed"
    )
    assert_error(
        api_as(official).delete(f"/api/elections/{election.pk}/"), 405, "method_not_allowed"
    )
