"""GET /health: no token needed; the backend is up, and how many validators are healthy."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.api.tests.conftest import FakeChain, FakeHealthRow, module_stubber

pytestmark = pytest.mark.django_db


def test_health_reports_the_backend_up_and_the_healthy_validators(
    client: Client, chain: FakeChain
) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"service": "backend", "status": "ok", "validators_healthy": 2}


def test_with_no_healthy_validator_the_backend_is_still_up(
    client: Client, chain: FakeChain
) -> None:
    chain.health_rows = [FakeHealthRow("validator-1", "unreachable", 0)]
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["validators_healthy"] == 0


def test_an_unreadable_validator_health_does_not_fail_the_check(
    client: Client, chain: FakeChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> int:
        raise RuntimeError("no health table")

    module_stubber(monkeypatch)("apps.network.health", healthy_count=broken)
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["validators_healthy"] is None


def test_a_stale_token_does_not_matter(client: Client, chain: FakeChain) -> None:
    assert client.get("/health", HTTP_AUTHORIZATION="Bearer stale").status_code == 200


def test_health_is_read_only(client: Client, chain: FakeChain) -> None:
    assert client.post("/health").status_code == 405
