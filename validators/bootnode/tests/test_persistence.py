"""The registry lives in the database, not in the process that served the registration."""

from __future__ import annotations

import pytest
from django.test import Client

from validators.bootnode.models import Peer
from validators.bootnode.tests.testing import Node
from validators.core import keys

pytestmark = pytest.mark.django_db


def test_the_registry_is_read_back_from_the_database(
    client: Client, alice: Node, bob: Node
) -> None:
    for node in (alice, bob):
        client.post("/register_peer", node.registration(), content_type="application/json")
    keys._public_cache.clear()  # the only in-process cache on the path

    rows = list(Peer.objects.order_by("node_id").values_list("node_id", "url"))
    discovered = Client().get("/discover", {"node_id": alice.node_id}).json()["peers"]

    assert rows == [(alice.node_id, alice.url), (bob.node_id, bob.url)]
    assert [p["url"] for p in discovered] == [bob.url]
