"""Bad input gets its HTTP status and a JSON {detail, code}; it never stores anything or 500s."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import SettingsWrapper

from validators.bootnode.models import Peer, RegistryCounter
from validators.bootnode.tests.testing import Node

pytestmark = pytest.mark.django_db

REGISTRATION_FIELDS = ["node_id", "url", "public_key", "timestamp_ms", "signature"]
HEARTBEAT_FIELDS = ["node_id", "timestamp_ms", "signature"]


def assert_error(response: Any, status: int, code: str, names: str = "") -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "code"}
    assert body["code"] == code
    assert names in body["detail"]
    assert not Peer.objects.exists()
    assert not RegistryCounter.objects.filter(value__gt=0).exists()


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, body, content_type="application/json")


@pytest.mark.parametrize(
    "raw", ["", "not json", "[1, 2]", '"a string"', b"\xff\xfe{", "[" * 5000, '{"a": 1'], ids=repr
)
@pytest.mark.parametrize("path", ["/register_peer", "/heartbeat"])
def test_a_body_that_is_not_a_json_object_is_malformed_json(
    client: Client, network: object, path: str, raw: str | bytes
) -> None:
    assert_error(post(client, path, raw), 400, "malformed_json")


@pytest.mark.parametrize("field", REGISTRATION_FIELDS)
def test_a_registration_missing_a_field_names_the_field(
    client: Client, alice: Node, field: str
) -> None:
    body = alice.registration()
    del body[field]

    assert_error(post(client, "/register_peer", body), 400, "missing_field", repr(field))


@pytest.mark.parametrize("field", HEARTBEAT_FIELDS)
def test_a_heartbeat_missing_a_field_names_the_field(
    client: Client, alice: Node, field: str
) -> None:
    body = alice.heartbeat()
    del body[field]

    assert_error(post(client, "/heartbeat", body), 400, "missing_field", repr(field))


def test_a_null_field_counts_as_missing(client: Client, alice: Node) -> None:
    body = alice.registration(url=None)

    assert_error(post(client, "/register_peer", body), 400, "missing_field", "'url'")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("node_id", 7),
        ("node_id", ""),
        ("node_id", "validator-1\u0000"),
        ("node_id", "v" * 65),
        ("url", ["http://x"]),
        ("url", "ftp://10.0.0.1/"),
        ("url", "10.0.0.1:8001"),
        ("url", "http://" + "a" * 250),
        ("url", "http://10.0.0.1:8001/\n"),
        ("public_key", 12),
        ("timestamp_ms", "1700000000000"),
        ("timestamp_ms", True),
        ("timestamp_ms", 1.5),
        ("timestamp_ms", 2**53),
        ("signature", {"r": 1}),
    ],
)
def test_a_field_of_the_wrong_kind_is_named(
    client: Client, alice: Node, field: str, value: Any
) -> None:
    body = alice.registration(**{field: value})

    assert_error(post(client, "/register_peer", body), 400, "invalid_field", repr(field))


def test_discover_without_a_node_id_names_it(client: Client) -> None:
    assert_error(client.get("/discover"), 400, "missing_field", "'node_id'")


def test_discover_with_an_empty_node_id_names_it(client: Client) -> None:
    assert_error(client.get("/discover", {"node_id": ""}), 400, "invalid_field", "'node_id'")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("get", "/register_peer", "POST"),
        ("get", "/heartbeat", "POST"),
        ("put", "/register_peer", "POST"),
        ("post", "/discover", "GET"),
        ("post", "/peers", "GET"),
        ("delete", "/stats", "GET"),
        ("post", "/health", "GET"),
    ],
)
def test_a_wrong_method_is_405_and_says_which_is_allowed(
    client: Client, alice: Node, method: str, path: str, allowed: str
) -> None:
    response = getattr(client, method)(path, alice.registration(), "application/json")

    assert_error(response, 405, "method_not_allowed", allowed)
    assert response["Allow"] == allowed


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/"), ("get", "/nope"), ("get", "/health/"), ("post", "/register_peer/")],
)
def test_an_unknown_route_is_a_json_404(
    client: Client, alice: Node, method: str, path: str
) -> None:
    response = getattr(client, method)(path, alice.registration(), "application/json")

    assert_error(response, 404, "not_found", path)


def test_an_unknown_route_is_a_json_404_under_debug_too(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.DEBUG = True

    assert_error(client.get("/nope"), 404, "not_found")


def test_an_oversized_body_is_413(client: Client, alice: Node) -> None:
    body = alice.registration(padding="x" * 70_000)

    assert_error(post(client, "/register_peer", body), 413, "body_too_large")


def test_a_missing_genesis_is_503_not_a_crash(
    client: Client, alice: Node, settings: SettingsWrapper, tmp_path: Path
) -> None:
    settings.NETWORK_DIR = tmp_path / "no-network-here"

    assert_error(post(client, "/register_peer", alice.registration()), 503, "genesis_unavailable")
