"""Validator health: each validator's GET /health classified, stored, and ranked for use."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import SettingsWrapper

from apps.network.health import (
    healthy_count,
    healthy_validators,
    refresh_validator_health,
    validator_health_rows,
    validators_to_try,
)
from apps.network.models import ValidatorHealth
from apps.network.tests.fakes import FakeNetwork

pytestmark = pytest.mark.django_db


def statuses() -> dict[str, str]:
    return {row.node_id: row.status for row in validator_health_rows()}


def test_it_marks_validators_that_answer_ok_healthy(fake_network: FakeNetwork) -> None:
    fake_network.commit()
    rows = refresh_validator_health()
    assert [r.status for r in rows] == ["healthy"] * 3
    assert all(r.height == 1 and r.lag == 0 and r.last_seen_at for r in rows)
    assert healthy_count() == 3


def test_a_validator_that_does_not_answer_is_unreachable_and_keeps_its_last_height(
    fake_network: FakeNetwork,
) -> None:
    fake_network.commit()
    refresh_validator_health()
    fake_network.modes["validator-2"] = "down"
    fake_network.modes["validator-3"] = "timeout"
    fake_network.commit()
    rows = {r.node_id: r for r in refresh_validator_health()}
    assert rows["validator-2"].status == rows["validator-3"].status == "unreachable"
    assert rows["validator-2"].height == 1 and rows["validator-2"].lag == 1
    assert (
        rows["validator-2"].latency_ms is None and "connection failed" in rows["validator-2"].error
    )
    assert "timed out" in rows["validator-3"].error
    assert healthy_count() == 1


def test_a_stalled_lagging_or_slow_validator_is_degraded(
    fake_network: FakeNetwork, settings: SettingsWrapper
) -> None:
    settings.HEALTH_SLOW_MS = 20
    for _ in range(4):
        fake_network.commit()
    fake_network.health_status["validator-1"] = "stalled"
    fake_network.lagging["validator-2"] = 3
    fake_network.modes["validator-3"] = "slow"
    rows = {r.node_id: r for r in refresh_validator_health()}
    assert {r.status for r in rows.values()} == {"degraded"}
    assert "stalled" in rows["validator-1"].error
    assert "3 blocks behind" in rows["validator-2"].error
    assert "answered in" in rows["validator-3"].error


def test_a_lag_of_two_blocks_is_still_healthy(fake_network: FakeNetwork) -> None:
    for _ in range(3):
        fake_network.commit()
    fake_network.lagging["validator-2"] = 2
    assert statuses() == {}
    refresh_validator_health()
    assert statuses()["validator-2"] == "healthy"


def test_a_server_error_is_unreachable(fake_network: FakeNetwork) -> None:
    fake_network.modes["validator-1"] = "500"
    refresh_validator_health()
    assert statuses()["validator-1"] == "unreachable"


def test_rows_of_validators_no_longer_in_genesis_are_dropped(fake_network: FakeNetwork) -> None:
    refresh_validator_health()
    ValidatorHealth.objects.create(
        node_id="validator-9", url="http://gone", status="healthy", checked_at="2024-01-01T00:00Z"
    )
    refresh_validator_health()
    assert sorted(statuses()) == ["validator-1", "validator-2", "validator-3"]


def test_healthy_validators_rotate_so_batches_spread_round_robin(
    fake_network: FakeNetwork,
) -> None:
    refresh_validator_health()
    firsts = [healthy_validators()[0].node_id for _ in range(6)]
    assert sorted(set(firsts)) == ["validator-1", "validator-2", "validator-3"]
    assert firsts[:3] == firsts[3:]


def test_delivery_tries_healthy_then_degraded_then_the_rest(fake_network: FakeNetwork) -> None:
    fake_network.health_status["validator-1"] = "stalled"
    fake_network.modes["validator-2"] = "down"
    refresh_validator_health()
    assert [e.node_id for e in validators_to_try()] == ["validator-3", "validator-1", "validator-2"]


def test_with_no_health_known_every_validator_is_still_tried(fake_network: FakeNetwork) -> None:
    assert [e.node_id for e in validators_to_try()] == ["validator-1", "validator-2", "validator-3"]
    assert healthy_validators() == []
