"""GET /discover and GET /peers: who else is alive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from validators.bootnode.models import Peer
from validators.bootnode.tests.testing import Node

pytestmark = pytest.mark.django_db


@pytest.fixture
def everyone_registered(client: Client, alice: Node, bob: Node, carol: Node) -> None:
    for node in (alice, bob, carol):
        client.post("/register_peer", node.registration(), content_type="application/json")


def test_discover_lists_the_other_live_peers_but_not_the_caller(
    client: Client, everyone_registered: None, alice: Node, bob: Node, carol: Node
) -> None:
    response = client.get("/discover", {"node_id": alice.node_id})

    assert response.status_code == 200
    peers = response.json()["peers"]
    assert [p["node_id"] for p in peers] == [bob.node_id, carol.node_id]
    assert peers[0] == Peer.objects.get(node_id=bob.node_id).as_entry()
    assert set(peers[0]) == {
        "node_id",
        "url",
        "public_key",
        "last_seen_at",
        "timestamp_ms",
        "signature",
    }


def test_discover_counts_as_a_heartbeat_from_the_caller(
    client: Client, everyone_registered: None, alice: Node
) -> None:
    earlier = timezone.now() - timedelta(seconds=20)
    Peer.objects.update(last_seen_at=earlier)

    client.get("/discover", {"node_id": alice.node_id})

    assert Peer.objects.get(node_id=alice.node_id).last_seen_at > earlier
    assert set(Peer.objects.filter(last_seen_at=earlier).values_list("node_id", flat=True)) == {
        "validator-2",
        "validator-3",
    }


def test_an_unregistered_caller_gets_every_live_peer_and_registers_nothing(
    client: Client, everyone_registered: None, mallory: Node
) -> None:
    response = client.get("/discover", {"node_id": mallory.node_id})

    assert len(response.json()["peers"]) == 3
    assert Peer.objects.count() == 3


def test_peers_lists_every_live_peer(client: Client, everyone_registered: None) -> None:
    response = client.get("/peers")

    assert response.status_code == 200
    assert [p["node_id"] for p in response.json()["peers"]] == [
        "validator-1",
        "validator-2",
        "validator-3",
    ]


def test_health_counts_live_peers(client: Client, everyone_registered: None) -> None:
    assert client.get("/health").json() == {"status": "ok", "peers": 3}


def test_peers_are_listed_in_one_query_after_the_silent_check(
    client: Client, everyone_registered: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(2):
        client.get("/peers")
