"""GET /metrics on a validator node: who may read it, and what it reports."""

from pathlib import Path

import pytest
from django.test import Client
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from pytest_django.fixtures import SettingsWrapper

from tests.metrics_page import samples
from validators.chain import metrics
from validators.chain.models import Evidence
from validators.metrics_export import empty_directory, may_scrape


@pytest.mark.django_db
def test_metrics_report_the_position_and_evidence_from_the_database(
    client: Client, settings: SettingsWrapper, network: object
) -> None:
    Evidence.objects.create(
        validator="validator-3", height=4, round=0, phase="PREPARE", first={}, second={}
    )
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    found = samples(response.content.decode())
    assert found["evoting_validator_height"] == 0
    assert found["evoting_validator_mempool_transactions"] == 0
    assert found["evoting_validator_equivocation_evidence_total"] == 1


@pytest.mark.django_db
def test_metrics_count_refused_peer_messages_by_reason(client: Client) -> None:
    before = samples(client.get("/metrics").content.decode())
    key = "evoting_validator_messages_refused_total{reason=malformed_message}"
    response = client.post(
        "/peer/message", data=b'{"type": "nonsense"}', content_type="application/json"
    )
    assert response.status_code == 400
    after = samples(client.get("/metrics").content.decode())
    assert after[key] == before.get(key, 0) + 1


@pytest.mark.django_db
def test_metrics_are_refused_to_other_addresses_without_the_token(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.METRICS_TOKEN = "the-metrics-token"
    refused = client.get("/metrics", REMOTE_ADDR="192.0.2.7")
    assert refused.status_code == 403
    assert refused.json()["code"] == "metrics_forbidden"
    wrong = client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403
    allowed = client.get(
        "/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION="Bearer the-metrics-token"
    )
    assert allowed.status_code == 200


def test_loopback_through_a_proxy_needs_the_token() -> None:
    assert may_scrape("127.0.0.1", "", "", "")
    assert may_scrape("::1", "", "", "")
    assert not may_scrape("127.0.0.1", "203.0.113.9", "", "secret")
    assert may_scrape("127.0.0.1", "203.0.113.9", "Bearer secret", "secret")
    assert not may_scrape("192.0.2.1", "", "Bearer ", "")  # no token set: loopback only


def test_refusal_reasons_become_short_labels() -> None:
    assert metrics.reason_label("old round (now in round 3)") == "old_round"
    assert metrics.reason_label("equivocation: conflicts with an earlier message") == "equivocation"
    assert metrics.reason_label("") == "unknown"


def test_a_committed_block_is_observed_in_each_histogram() -> None:
    def count(name: str) -> float:
        return REGISTRY.get_sample_value(name) or 0.0

    names = [
        "evoting_validator_rounds_per_height_count",
        "evoting_validator_block_transactions_count",
        "evoting_validator_commit_latency_seconds_count",
        "evoting_validator_block_interval_seconds_count",
    ]
    before = [count(n) for n in names]
    metrics.block_committed(1, 12, 10_000, 9_000, 250)
    assert [count(n) - b for n, b in zip(names, before, strict=True)] == [1, 1, 1, 1]


def test_metrics_is_read_only(client: Client) -> None:
    assert client.post("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 405


@pytest.mark.django_db
def test_the_page_exports_exactly_the_declared_families(client: Client) -> None:
    metrics.refused("old round")
    metrics.CATCH_UP_BLOCKS.inc(0)
    page = client.get("/metrics").content.decode()
    families = {f.name for f in text_string_to_metric_families(page)}
    on_page = {
        sample.name
        for family in text_string_to_metric_families(page)
        for sample in family.samples
        if sample.name.startswith(metrics.PREFIX)
    }
    for name in metrics.NAMES:
        assert name in on_page or name in families, name


def test_emptying_a_metrics_folder_keeps_only_the_running_process_files(tmp_path: Path) -> None:
    for name in ("counter_11.db", "histogram_11.db", "counter_211.db", "gauge_livesum_7.db"):
        (tmp_path / name).write_bytes(b"")
    empty_directory(tmp_path, keep_pid=11)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_11.db", "histogram_11.db"]
    empty_directory(tmp_path)
    assert list(tmp_path.iterdir()) == []
