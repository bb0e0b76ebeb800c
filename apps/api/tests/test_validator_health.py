"""Officials only: GET /api/admin/validators/health and POST .../refresh-status."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.api.tests.conftest import FakeChain, api_as, assert_error

pytestmark = pytest.mark.django_db


def test_an_official_sees_every_validators_health(official: User, chain: FakeChain) -> None:
    response = api_as(official).get("/api/admin/validators/health")
    assert response.status_code == 200
    assert response.json() == {
        "healthy": 2,
        "validators": [row.to_dict() for row in chain.health_rows],
    }
    assert chain.refreshes == 0


def test_an_official_can_measure_the_validators_now(official: User, chain: FakeChain) -> None:
    response = api_as(official).post("/api/admin/validators/refresh-status")
    assert response.status_code == 200
    assert response.json()["healthy"] == 2 and chain.refreshes == 1


def test_voters_see_no_validator_health(alice: User, chain: FakeChain) -> None:
    assert_error(api_as(alice).get("/api/admin/validators/health"), 403, "not_staff")
    assert_error(api_as(alice).post("/api/admin/validators/refresh-status"), 403, "not_staff")
    assert chain.refreshes == 0


def test_without_a_token_it_is_a_401(db: None, chain: FakeChain) -> None:
    assert_error(api_as(None).get("/api/admin/validators/health"), 401, "not_authenticated")
