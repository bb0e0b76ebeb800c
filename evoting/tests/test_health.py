"""GET /health on the backend."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_health_reports_ok(client: Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()  # also validators_healthy: apps/api/tests/test_health.py
    assert (body["service"], body["status"]) == ("backend", "ok")


def test_health_is_read_only(client: Client) -> None:
    assert client.post("/health").status_code == 405
