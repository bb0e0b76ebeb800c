"""Every error under /api/ is JSON {detail, code}, and no input makes the API answer 500."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.api.tests.conftest import FakeChain, api_as, assert_error
from apps.elections.models import Election

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
fields = st.sampled_from(
    ["election_id", "candidate_id", "candidate_ids", "encrypted_vote", "email", "password"]
)
request_bodies = json_values | st.dictionaries(fields, json_values, max_size=4)
POST_ENDPOINTS = [
    "/api/auth/login",
    "/api/votes/submit",
    "/api/votes/verify-blockchain",
    "/api/elections/",
    "/api/elections/{id}/voters/",
]
GET_ENDPOINTS = [
    "/api/votes/public-keys",
    "/api/votes/check",
    "/api/votes/transaction-status",
    "/api/votes/results",
]


def assert_json_error_or_success(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, response.content
    assert response["Content-Type"] == "application/json"
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body["detail"], str) and isinstance(body["code"], str)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(endpoint=st.sampled_from(POST_ENDPOINTS), body=request_bodies)
def test_no_json_body_makes_a_post_endpoint_fail(
    election: Election, official: User, chain: FakeChain, endpoint: str, body: object
) -> None:
    url = endpoint.format(id=election.pk)
    response = api_as(official).post(url, body, format="json")
    assert_json_error_or_success(response)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    endpoint=st.sampled_from(GET_ENDPOINTS),
    query=st.dictionaries(
        st.sampled_from(["election_id", "transaction_id"]), st.text(max_size=40), max_size=2
    ),
)
def test_no_query_string_makes_a_get_endpoint_fail(
    election: Election, alice: User, endpoint: str, query: dict[str, str]
) -> None:
    assert_json_error_or_success(api_as(alice).get(endpoint, query))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ballot=json_values.map(lambda v: json.dumps(v).encode()) | st.binary(min_size=1, max_size=200)
)
def test_no_encrypted_vote_makes_submit_fail(
    election: Election, alice: User, ballot: bytes
) -> None:
    body = {"election_id": election.pk, "encrypted_vote": base64.b64encode(ballot).decode()}
    response = api_as(alice).post("/api/votes/submit", body, format="json")
    assert_error(response, 400, "invalid_ballot")


@pytest.mark.parametrize(
    "body",
    [b"{", b"\xff\xfe", b'{"election_id": 1,}', b"[" * 100_000, b'{"a": NaN}', b""],
)
def test_a_body_that_is_not_json_is_a_400(election: Election, alice: User, body: bytes) -> None:
    response = api_as(alice).post("/api/votes/submit", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] in {"parse_error", "invalid"}


def test_a_form_instead_of_json_is_a_415(election: Election, alice: User) -> None:
    response = api_as(alice).post("/api/votes/submit", {"election_id": election.pk})
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_an_unknown_api_path_is_a_json_404_for_every_method(db: None, method: str) -> None:
    response = getattr(APIClient(), method)("/api/no/such/thing")
    assert_error(response, 404, "not_found")


def test_a_wrong_method_is_a_json_405(alice: User) -> None:
    assert_error(api_as(alice).get("/api/votes/submit"), 405, "method_not_allowed")
    assert_error(api_as(alice).delete("/api/votes/history"), 405, "method_not_allowed")


def test_a_post_without_a_trailing_slash_is_served_not_redirected(
    draft_election: Election, official: User
) -> None:
    response = api_as(official).post(
        f"/api/elections/{draft_election.pk}/voters",
        [{"email": "dave@example.org"}],
        format="json",
    )
    assert response.status_code == 200


def test_validation_errors_list_every_field(election: Election, alice: User) -> None:
    response = api_as(alice).post(
        "/api/votes/submit", {"election_id": "x", "candidate_id": -1}, format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert "election_id:" in body["detail"] and "candidate_id:" in body["detail"]
    assert set(body["errors"]) == {"election_id", "candidate_id"}


def test_a_server_error_under_the_api_is_still_json(
    election: Election, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("apps.api.views.votes.cast_choice", broken)
    client = api_as(alice)
    client.raise_request_exception = False
    response = client.post(
        "/api/votes/submit", {"election_id": election.pk, "candidate_id": 1}, format="json"
    )
    assert_error(response, 500, "server_error")


@pytest.mark.parametrize(
    "change",
    [{"description": 0.0}, {"title": 7}, {"min_selections": "1"}, {"max_selections": 1.0}],
    ids=["number-as-description", "number-as-title", "text-as-integer", "float-as-integer"],
)
def test_a_value_of_another_json_type_than_the_schema_says_is_a_400(
    official: User, change: dict[str, object]
) -> None:
    body = {"title": "Board", "candidates": ["Ada", "Alan"], **change}
    before = Election.objects.count()
    response = api_as(official).post("/api/elections/", body, format="json")
    assert_error(response, 400, "invalid")
    assert Election.objects.count() == before
