"""The monitoring profile's committed files: the Grafana dashboard graphs only metrics the
services export, and Prometheus accepts its configuration."""

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from apps.network import metrics as backend_metrics
from validators.chain import metrics as validator_metrics

REPO = Path(__file__).resolve().parents[2]
MONITORING = REPO / "deploy" / "monitoring"
DASHBOARD = MONITORING / "grafana" / "dashboards" / "evoting.json"
# A metric name in a PromQL expression (label names and functions have no such prefix).
METRIC = re.compile(r"\b(?:evoting|django)_[a-z_]+\b")
SUFFIXES = re.compile(r"_(bucket|sum|count)$")


def expressions(dashboard: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def backend_page_names() -> set[str]:
    """Sample names on the backend's own /metrics page (django-prometheus's among them)."""
    page = Client().get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    return {s.name for f in text_string_to_metric_families(page) for s in f.samples}


@pytest.mark.django_db
def test_the_dashboard_graphs_only_metrics_the_services_export() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    used = {name for expr in expressions(dashboard) for name in METRIC.findall(expr)}
    exported = backend_page_names() | backend_metrics.NAMES | validator_metrics.NAMES
    unknown = {
        name for name in used if name not in exported and SUFFIXES.sub("", name) not in exported
    }
    assert used and not unknown, sorted(unknown)


def test_the_dashboard_shows_what_an_operator_needs() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    text = " ".join(expressions(dashboard))
    for name in (
        "evoting_votes_confirmed_total",  # votes per second
        "evoting_vote_confirmation_seconds_bucket",  # confirmation latency
        "evoting_validator_height",
        "evoting_validator_round",
        "evoting_validator_mempool_transactions",
        "evoting_fallback_votes_waiting",
    ):
        assert name in text, name
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_prometheus_scrapes_the_backend_and_every_validator() -> None:
    import yaml

    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    targets = {
        target
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    assert targets == {"backend:8000", "validator-1:8000", "validator-2:8000", "validator-3:8000"}


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian's prometheus)")
def test_promtool_accepts_the_prometheus_configuration(tmp_path: Path) -> None:
    shutil.copy(MONITORING / "prometheus.yml", tmp_path / "prometheus.yml")
    (tmp_path / "metrics-token").write_text("a token the service writes at start")
    checked = subprocess.run(
        ["promtool", "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
