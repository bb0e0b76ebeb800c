"""GET /health on a validator node."""

from django.test import Client
from pytest_django.fixtures import SettingsWrapper


def test_health_names_the_node(client: Client, settings: SettingsWrapper) -> None:
    settings.NODE_ID = "validator-2"
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"node_id": "validator-2", "status": "starting"}


def test_health_is_read_only(client: Client) -> None:
    assert client.post("/health").status_code == 405
