"""Peers silent for longer than the TTL are dropped whenever any endpoint is read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import SettingsWrapper

from validators.bootnode.models import Peer
from validators.bootnode.tests.testing import Node

pytestmark = pytest.mark.django_db


@pytest.fixture
def ttl(settings: SettingsWrapper) -> int:
    return settings.BOOTNODE_PEER_TTL_SECONDS


@pytest.fixture
def bob_fell_silent(client: Client, alice: Node, bob: Node, ttl: int) -> None:
    """alice and bob registered; bob has not been heard from for longer than the TTL."""
    for node in (alice, bob):
        client.post("/register_peer", node.registration(), content_type="application/json")
    silent_since = timezone.now() - timedelta(seconds=ttl + 1)
    Peer.objects.filter(node_id=bob.node_id).update(last_seen_at=silent_since)


@pytest.mark.parametrize("path", ["/health", "/peers", "/stats", "/discover?node_id=validator-1"])
def test_reading_any_endpoint_drops_peers_silent_past_the_ttl(
    client: Client, bob_fell_silent: None, path: str
) -> None:
    client.get(path)

    assert list(Peer.objects.values_list("node_id", flat=True)) == ["validator-1"]


def test_a_silent_peer_is_not_offered_by_discover(
    client: Client, bob_fell_silent: None, alice: Node
) -> None:
    assert client.get("/discover", {"node_id": alice.node_id}).json() == {"peers": []}


def test_a_peer_heard_from_within_the_ttl_stays(client: Client, alice: Node, ttl: int) -> None:
    client.post("/register_peer", alice.registration(), content_type="application/json")
    almost_silent = timezone.now() - timedelta(seconds=ttl - 2)
    Peer.objects.update(last_seen_at=almost_silent)

    assert client.get("/health").json()["peers"] == 1


def test_a_dropped_peer_can_register_again(
    client: Client, bob_fell_silent: None, bob: Node
) -> None:
    client.get("/health")

    assert (
        client.post("/register_peer", bob.registration(), content_type="application/json").json()[
            "peer"
        ]["node_id"]
        == bob.node_id
    )
    assert Peer.objects.count() == 2


def test_stats_count_registrations_live_peers_and_drops(
    client: Client, bob_fell_silent: None, ttl: int
) -> None:
    stats = client.get("/stats").json()

    assert stats["registered"] == 2
    assert stats["live"] == 1
    assert stats["dropped"] == 1
    assert stats["peer_ttl_seconds"] == ttl
    assert isinstance(stats["uptime_seconds"], int)
