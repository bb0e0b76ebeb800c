"""GET /health on a validator node."""

import pytest
from django.test import Client
from pytest_django.fixtures import SettingsWrapper


@pytest.mark.django_db
def test_health_names_the_node_and_its_chain(
    client: Client, settings: SettingsWrapper, network: object
) -> None:
    settings.NODE_ID = "validator-2"
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["node_id"] == "validator-2"
    assert body["status"] == "stalled"  # no engine has ticked in this test database
    assert body["height"] == 0
    assert body["mempool_size"] == 0
    assert body["evidence_count"] == 0


def test_health_is_read_only(client: Client) -> None:
    assert client.post("/health").status_code == 405
