"""GET /metrics on the backend: who may read it, and the vote counts it reports."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from kombu import Connection
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from pytest_django.fixtures import SettingsWrapper

from apps.network import metrics
from apps.network.models import ValidatorHealth
from tests.metrics_page import samples

pytestmark = pytest.mark.django_db


def test_metrics_report_votes_health_and_requests(client: Client) -> None:
    ValidatorHealth.objects.create(
        node_id="validator-1", url="http://x", status="degraded", checked_at=timezone.now()
    )
    client.get("/health")
    found = samples(client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode())
    assert found["evoting_votes{status=pending}"] == 0
    assert found["evoting_fallback_votes_waiting"] == 0
    assert found["evoting_validator_health{node_id=validator-1,state=degraded}"] == 1
    assert found["evoting_validator_health{node_id=validator-1,state=healthy}"] == 0
    assert any(name.startswith("evoting_worker_queue_messages") for name in found)
    assert any(name.startswith("django_http_requests_total_by_method") for name in found)


def test_confirmations_move_the_counter_and_the_latency_histogram() -> None:
    before = REGISTRY.get_sample_value("evoting_votes_confirmed_total") or 0.0
    slow = REGISTRY.get_sample_value("evoting_vote_confirmation_seconds_bucket", {"le": "5.0"})
    now = timezone.now()
    metrics.votes_confirmed([now - timedelta(seconds=2), now - timedelta(seconds=40)], now)
    assert REGISTRY.get_sample_value("evoting_votes_confirmed_total") == before + 2
    within_five = REGISTRY.get_sample_value(
        "evoting_vote_confirmation_seconds_bucket", {"le": "5.0"}
    )
    assert within_five == (slow or 0.0) + 1


def test_metrics_need_the_token_from_elsewhere(client: Client, settings: SettingsWrapper) -> None:
    settings.METRICS_TOKEN = "the-metrics-token"
    refused = client.get("/metrics", REMOTE_ADDR="198.51.100.4")
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "metrics are served to loopback or with the metrics bearer token",
        "code": "metrics_forbidden",
    }
    allowed = client.get(
        "/metrics", REMOTE_ADDR="198.51.100.4", HTTP_AUTHORIZATION="Bearer the-metrics-token"
    )
    assert allowed.status_code == 200


def test_the_page_exports_every_declared_family(client: Client) -> None:
    metrics.batch_sent("delivered", ["validator-2"])
    page = client.get("/metrics").content.decode()
    names = {
        name
        for family in text_string_to_metric_families(page)
        for name in (family.name, *(sample.name for sample in family.samples))
    }
    assert metrics.NAMES <= names, sorted(metrics.NAMES - names)


def test_queue_depth_on_redis_counts_waiting_messages_and_an_empty_queue_as_zero() -> None:
    # Redis drops the key of an emptied queue; the broker then does not know the queue at all.
    name = f"evoting-test-depth-{uuid.uuid4().hex}"
    with Connection("redis://127.0.0.1:6379/15") as connection:
        channel = connection.default_channel
        assert metrics.queue_depth(channel, name) == 0
        queue = connection.SimpleQueue(name)
        try:
            queue.put({"n": 1})
            queue.put({"n": 2})
            assert metrics.queue_depth(channel, name) == 2
            queue.get(timeout=5).ack()
            queue.get(timeout=5).ack()
            assert metrics.queue_depth(channel, name) == 0
        finally:
            queue.clear()
            queue.close()
