"""POST /register_peer: only a genesis validator, signing with its genesis key, gets listed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from validators.bootnode.models import Peer, RegistryCounter
from validators.bootnode.tests.testing import Node, now_ms

pytestmark = pytest.mark.django_db

FIVE_MINUTES_MS = 5 * 60 * 1000


def register(client: Client, body: dict[str, Any]) -> Any:
    return client.post("/register_peer", body, content_type="application/json")


def assert_refused(response: Any, code: str) -> None:
    assert response.status_code == 403, response.content
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert not Peer.objects.exists()


def test_it_registers_a_validator_signing_with_its_genesis_key(client: Client, alice: Node) -> None:
    response = register(client, alice.registration())

    assert response.status_code == 200
    peer = Peer.objects.get()
    assert (peer.node_id, peer.url, peer.public_key) == (alice.node_id, alice.url, alice.public_key)
    assert peer.registered_at == peer.last_seen_at
    assert peer.last_seen_at.tzinfo is not None
    assert response.json() == {"peer": peer.as_entry(), "peer_ttl_seconds": 30}


def test_registering_again_moves_the_url_and_keeps_the_first_registration_time(
    client: Client, alice: Node
) -> None:
    register(client, alice.registration())
    first_registered_at = Peer.objects.get().registered_at - timedelta(seconds=10)
    Peer.objects.update(registered_at=first_registered_at)
    moved = Node(alice.node_id, "http://10.0.0.7:9001", alice.signing_key)

    assert register(client, moved.registration()).status_code == 200

    peer = Peer.objects.get()
    assert peer.url == "http://10.0.0.7:9001"
    assert peer.registered_at == first_registered_at
    assert RegistryCounter.objects.get(name="registrations").value == 2


def test_it_accepts_a_timestamp_a_little_inside_the_window(client: Client, alice: Node) -> None:
    four_minutes_ago = now_ms() - 4 * 60 * 1000

    assert register(client, alice.registration(four_minutes_ago)).status_code == 200


def test_it_rejects_an_id_that_genesis_does_not_list(client: Client, mallory: Node) -> None:
    assert_refused(register(client, mallory.registration()), "unknown_validator")


def test_it_rejects_a_genesis_id_presented_with_another_key(
    client: Client, alice: Node, mallory: Node
) -> None:
    posing_as_alice = Node(alice.node_id, mallory.url, mallory.signing_key)

    assert_refused(register(client, posing_as_alice.registration()), "key_mismatch")


def test_it_rejects_a_signature_from_another_key(
    client: Client, alice: Node, mallory: Node
) -> None:
    signed_by_mallory = Node(alice.node_id, mallory.url, mallory.signing_key).registration()
    body = signed_by_mallory | {"public_key": alice.public_key}

    assert_refused(register(client, body), "bad_signature")


def test_it_rejects_a_url_changed_after_signing(client: Client, alice: Node) -> None:
    body = alice.registration(url="http://10.6.6.6:8001")

    assert_refused(register(client, body), "bad_signature")


def test_it_rejects_a_heartbeat_signature_offered_as_a_registration(
    client: Client, alice: Node
) -> None:
    stamp = now_ms()
    heartbeat_signature = alice.heartbeat(stamp)["signature"]
    body = alice.registration(stamp, signature=heartbeat_signature)

    assert_refused(register(client, body), "bad_signature")


def test_it_rejects_a_signature_that_is_not_hex(client: Client, alice: Node) -> None:
    assert_refused(register(client, alice.registration(signature="zz")), "bad_signature")


@pytest.mark.parametrize("offset_ms", [-FIVE_MINUTES_MS - 1000, FIVE_MINUTES_MS + 1000])
def test_it_rejects_a_timestamp_more_than_five_minutes_from_now(
    client: Client, alice: Node, offset_ms: int
) -> None:
    body = alice.registration(now_ms() + offset_ms)

    assert_refused(register(client, body), "stale_timestamp")


def test_a_refused_registration_counts_nothing(client: Client, mallory: Node) -> None:
    register(client, mallory.registration())

    assert not RegistryCounter.objects.filter(value__gt=0).exists()
