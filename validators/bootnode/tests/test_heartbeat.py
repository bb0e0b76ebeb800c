"""POST /heartbeat: a registered validator keeps its entry alive on its signed word."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from validators.bootnode.models import Peer
from validators.bootnode.tests.testing import Node, now_ms

pytestmark = pytest.mark.django_db


def send_heartbeat(client: Client, body: dict[str, Any]) -> Any:
    return client.post("/heartbeat", body, content_type="application/json")


@pytest.fixture
def alice_registered_a_while_ago(client: Client, alice: Node) -> Peer:
    client.post("/register_peer", alice.registration(), content_type="application/json")
    Peer.objects.update(last_seen_at=timezone.now() - timedelta(seconds=20))
    return Peer.objects.get()


def test_a_heartbeat_refreshes_last_seen_at(
    client: Client, alice: Node, alice_registered_a_while_ago: Peer
) -> None:
    response = send_heartbeat(client, alice.heartbeat())

    assert response.status_code == 200
    peer = Peer.objects.get()
    assert peer.last_seen_at > alice_registered_a_while_ago.last_seen_at
    assert response.json()["peer"] == peer.as_entry()


def test_it_tells_an_unregistered_validator_to_register_again(client: Client, alice: Node) -> None:
    response = send_heartbeat(client, alice.heartbeat())

    assert response.status_code == 404
    assert response.json()["code"] == "peer_not_registered"
    assert not Peer.objects.exists()


def test_it_rejects_a_heartbeat_signed_by_another_key(
    client: Client, alice: Node, mallory: Node, alice_registered_a_while_ago: Peer
) -> None:
    forged = Node(alice.node_id, alice.url, mallory.signing_key).heartbeat()

    response = send_heartbeat(client, forged)

    assert (response.status_code, response.json()["code"]) == (403, "bad_signature")
    assert Peer.objects.get().last_seen_at == alice_registered_a_while_ago.last_seen_at


def test_it_rejects_a_registration_signature_offered_as_a_heartbeat(
    client: Client, alice: Node, alice_registered_a_while_ago: Peer
) -> None:
    stamp = now_ms()
    body = alice.heartbeat(stamp, signature=alice.registration(stamp)["signature"])

    assert send_heartbeat(client, body).json()["code"] == "bad_signature"
    assert Peer.objects.get().last_seen_at == alice_registered_a_while_ago.last_seen_at


def test_it_rejects_a_stale_heartbeat(
    client: Client, alice: Node, alice_registered_a_while_ago: Peer
) -> None:
    six_minutes_ago = now_ms() - 6 * 60 * 1000

    response = send_heartbeat(client, alice.heartbeat(six_minutes_ago))

    assert (response.status_code, response.json()["code"]) == (403, "stale_timestamp")
    assert Peer.objects.get().last_seen_at == alice_registered_a_while_ago.last_seen_at


def test_it_rejects_a_heartbeat_from_an_id_that_genesis_does_not_list(
    client: Client, mallory: Node
) -> None:
    response = send_heartbeat(client, mallory.heartbeat())

    assert (response.status_code, response.json()["code"]) == (403, "unknown_validator")
