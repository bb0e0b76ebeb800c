"""Personas and helpers shared by the API tests.

- `official`: staff. Creates and runs elections, sees every one, is on no roll.
- `alice`, `bob`: voters on the roll of `election` (open, three candidates, pick one).
- `carol`: a user on no roll. She should see nothing of this election.

The network client is stubbed here (apps.votes.services._schedule_delivery does nothing, and
`chain` replaces the health and verification functions); the integration tier runs it for real.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from knox.models import AuthToken
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.elections.models import Candidate, Election
from apps.elections.services import ballot_rules
from apps.votes.services import voter_pseudonym
from evcrypto import ballot_to_json, encrypt_ballot


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    cache.clear()  # log-in attempt counters live there


def candidates(election: Election) -> list[Candidate]:
    return list(election.candidates.order_by("position"))


def api_as(user: User | None) -> APIClient:
    """A client sending the user's bearer token (none for None)."""
    client = APIClient()
    if user is not None:
        _, token = AuthToken.objects.create(user)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def client_ballot(election: Election, voter: User, choices: list[int]) -> bytes:
    """A ballot as a client makes it: encrypted and proven for this voter's pseudonym."""
    rules = ballot_rules(election)
    pseudonym = voter_pseudonym(election, voter)
    return ballot_to_json(encrypt_ballot(rules.parameters, rules.public_key, pseudonym, choices))


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Every API error is JSON {detail, code}; returns the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@dataclass(frozen=True)
class FakeHealthRow:
    node_id: str
    status: str
    height: int

    def to_dict(self) -> dict[str, Any]:
        return {"node_id": self.node_id, "status": self.status, "height": self.height}


@dataclass
class FakeChain:
    """Stands in for apps.network.health, apps.network.verification and apps.fallback.integrity."""

    health_rows: list[FakeHealthRow] = field(
        default_factory=lambda: [
            FakeHealthRow("validator-1", "healthy", 12),
            FakeHealthRow("validator-2", "healthy", 12),
            FakeHealthRow("validator-3", "unreachable", 0),
        ]
    )
    verdict: dict[str, Any] = field(
        default_factory=lambda: {
            "valid": True,
            "agree": True,
            "validators": [
                {"node_id": f"validator-{i}", "height": 12, "last_hash": "ab" * 32, "valid": True}
                for i in (1, 2, 3)
            ],
        }
    )
    fallback_valid: bool = True
    refreshes: int = 0
    verified: list[str] = field(default_factory=list)

    def healthy_count(self) -> int:
        return sum(row.status == "healthy" for row in self.health_rows)

    def refresh_validator_health(self) -> list[FakeHealthRow]:
        self.refreshes += 1
        return self.health_rows

    def verify_election_on_chain(self, chain_election_id: str) -> dict[str, Any]:
        self.verified.append(chain_election_id)
        return self.verdict

    def check_fallback_chain(self) -> Any:
        return types.SimpleNamespace(valid=self.fallback_valid, length=0, problems=[])


@pytest.fixture
def chain(monkeypatch: pytest.MonkeyPatch) -> FakeChain:
    fake = FakeChain()
    stub = module_stubber(monkeypatch)
    stub(
        "apps.network.health",
        healthy_count=fake.healthy_count,
        validator_health_rows=lambda: fake.health_rows,
        refresh_validator_health=fake.refresh_validator_health,
    )
    stub("apps.network.verification", verify_election_on_chain=fake.verify_election_on_chain)
    stub("apps.fallback.integrity", check_fallback_chain=fake.check_fallback_chain)
    return fake


def module_stubber(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Replace functions in a module, standing the module in if it is not written yet."""

    def stub(module_name: str, **functions: Callable[..., Any]) -> None:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            module = types.ModuleType(module_name)
            monkeypatch.setitem(sys.modules, module_name, module)
            package, _, name = module_name.rpartition(".")
            monkeypatch.setattr(sys.modules[package], name, module, raising=False)
        for name, function in functions.items():
            monkeypatch.setattr(module, name, function, raising=False)

    return stub
