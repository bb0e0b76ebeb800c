"""The trustee endpoints (/api/trustee/...): who may call them, and bad input refused with the
stored ceremony unchanged. The trustee command, their client, is tested in
apps/trustees/tests/test_trustee_command.py."""

from __future__ import annotations

from typing import Any

import pytest

from apps.accounts.models import User
from apps.api.tests.conftest import api_as, assert_error
from apps.elections.models import Election
from apps.trustees.models import ShareEnvelope, Trustee
from apps.trustees.services import name_trustees, publish_encryption_key
from evcrypto import start_key_ceremony
from trustee.envelope import ShareAddress, new_encryption_key, public_key_hex, seal_share

pytestmark = pytest.mark.django_db

EMAILS = ["tina@example.org", "theo@example.org", "tara@example.org"]


@pytest.fixture
def ceremony(draft_election: Election) -> Election:
    name_trustees(draft_election, EMAILS)
    draft_election.refresh_from_db()
    return draft_election


def as_trustee(index: int) -> Any:
    return api_as(User.objects.get(email=EMAILS[index - 1]))


def url(election: Election, what: str) -> str:
    return f"/api/trustee/elections/{election.pk}/{what}"


def test_a_trustee_reads_the_ceremony_with_its_index(ceremony: Election) -> None:
    body = as_trustee(2).get(url(ceremony, "ceremony")).json()
    assert body["you"] == 2 and body["election"]["ceremony_id"] == ceremony.ceremony_id
    assert [t["email"] for t in body["trustees"]] == EMAILS


def test_anyone_else_is_refused(ceremony: Election, alice: User, official: User) -> None:
    assert_error(api_as(None).get(url(ceremony, "ceremony")), 401, "not_authenticated")
    assert_error(api_as(alice).get(url(ceremony, "ceremony")), 403, "not_trustee")
    assert_error(api_as(official).get(url(ceremony, "ceremony")), 403, "not_trustee")
    response = as_trustee(1).get("/api/trustee/elections/4242/ceremony")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ceremony_id": "x", "encryption_key": "zz" * 32},
        {"ceremony_id": "x", "encryption_key": "00" * 32},
        {"ceremony_id": "x", "encryption_key": ["a"]},
    ],
)
def test_a_bad_encryption_key_is_a_400_and_stores_nothing(
    ceremony: Election, body: dict[str, Any]
) -> None:
    body = body and {**body, "ceremony_id": ceremony.ceremony_id}
    response = as_trustee(1).post(url(ceremony, "encryption-key"), body, format="json")
    assert response.status_code == 400, response.content
    assert Trustee.objects.get(election=ceremony, index=1).encryption_key == ""


def test_an_old_ceremony_id_is_a_409(ceremony: Election) -> None:
    body = {"ceremony_id": "f" * 32, "encryption_key": public_key_hex(new_encryption_key())}
    response = as_trustee(1).post(url(ceremony, "encryption-key"), body, format="json")
    assert_error(response, 409, "ceremony_changed")


@pytest.mark.parametrize(
    "commitment", [[], 7, "text", None, {"trustee": 1}, {"trustee": 1, "coefficients": [1]}]
)
def test_a_malformed_commitment_is_a_400_and_stores_nothing(
    ceremony: Election, commitment: Any
) -> None:
    publish_encryption_key(
        Trustee.objects.get(election=ceremony, index=1),
        ceremony.ceremony_id,
        public_key_hex(new_encryption_key()),
    )
    body = {"ceremony_id": ceremony.ceremony_id, "commitment": commitment, "envelopes": []}
    response = as_trustee(1).post(url(ceremony, "dealing"), body, format="json")
    assert response.status_code == 400, response.content
    assert Trustee.objects.get(election=ceremony, index=1).commitment is None


def test_a_share_sealed_to_a_key_that_has_changed_since_is_refused(ceremony: Election) -> None:
    keys = {i: new_encryption_key() for i in (1, 2, 3)}
    for index, key in keys.items():
        trustee = Trustee.objects.get(election=ceremony, index=index)
        publish_encryption_key(trustee, ceremony.ceremony_id, public_key_hex(key))
    dealing = start_key_ceremony(ceremony.election_hash, 1, 2, 3)
    old_key = public_key_hex(new_encryption_key())  # what trustee 2 had before being replaced
    address = ShareAddress(ceremony.election_hash, 1, 2)
    body = {
        "ceremony_id": ceremony.ceremony_id,
        "commitment": dealing.commitment.to_dict(),
        "envelopes": [
            {
                "recipient": 2,
                "recipient_key": old_key,
                "envelope": seal_share(old_key, dealing.share_for(2), address),
            }
        ],
    }
    response = as_trustee(1).post(url(ceremony, "dealing"), body, format="json")
    assert_error(response, 409, "ceremony_changed")
    assert not ShareEnvelope.objects.filter(election=ceremony).exists()
    assert Trustee.objects.get(election=ceremony, index=1).commitment is None


def test_a_partial_decryption_before_the_tally_is_a_409(ceremony: Election) -> None:
    body = {"partial_decryption": {"trustee": 1, "factors": [], "proofs": []}}
    response = as_trustee(1).post(url(ceremony, "partial-decryption"), body, format="json")
    assert_error(response, 409, "wrong_state")
