"""GET /metrics with every part real: votes cast through the backend's API move its counters,
and each validator's height on /metrics is the one its /health reports."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.integration.backend import Backend
from tests.integration.cluster import REPO, Cluster, wait_until
from tests.integration.test_backend_vote_path import cast, open_election
from tests.metrics_page import samples

pytestmark = pytest.mark.integration

VOTERS = 12
DASHBOARD = REPO / "deploy" / "monitoring" / "grafana" / "dashboards" / "evoting.json"


@pytest.fixture
def backend(cluster: Cluster, tmp_path: Path) -> Iterator[Backend]:
    # Two gunicorn workers: the page must sum what both (and the Celery worker) counted.
    running = Backend(cluster, tmp_path / "backend", web_workers=2)
    try:
        yield running.start()
    finally:
        running.stop()


def scrape(url: str) -> dict[str, float]:
    """name{label=value,...} -> value for every sample on the page (unlabelled: name)."""
    response = requests.get(url + "/metrics", timeout=10)
    assert response.status_code == 200, response.text
    return samples(response.text)


def family_names(found: dict[str, float]) -> set[str]:
    names = {key.split("{", 1)[0] for key in found}
    return names | {re.sub(r"_(bucket|sum|count|created)$", "", name) for name in names}


def height_matches_health(url: str) -> bool:
    """/health, /metrics, /health: equal heights on both sides of the scrape."""
    before = requests.get(url + "/health", timeout=5).json()["height"]
    on_metrics = scrape(url)["evoting_validator_height"]
    after = requests.get(url + "/health", timeout=5).json()["height"]
    return before == after == on_metrics and on_metrics > 0


def test_votes_cast_through_the_api_show_on_the_backend_and_validator_metrics(
    cluster: Cluster, backend: Backend, tmp_path: Path
) -> None:
    election, roll = open_election(backend, VOTERS, tmp_path / "trustees")
    before = scrape(backend.url)
    assert before.get("evoting_votes_accepted_total", 0) == 0
    for i, (email, password) in enumerate(roll):
        response = cast(backend, election, email, password, i % 3, client_side=i % 2 == 0)
        assert response.status_code == 201, response.text

    def confirmed() -> dict[str, float] | None:
        found = scrape(backend.url)
        return found if found.get("evoting_votes_confirmed_total") == VOTERS else None

    found = wait_until(confirmed, 90, "every vote confirmed on the backend's metrics", every=0.5)
    assert found["evoting_votes_accepted_total"] == VOTERS
    assert found["evoting_votes{status=confirmed}"] == VOTERS
    assert found["evoting_vote_confirmation_seconds_count"] == VOTERS
    assert found["evoting_vote_confirmation_seconds_bucket{le=+Inf}"] == VOTERS
    assert found["evoting_delivery_batches_total{outcome=delivered}"] >= 1
    assert found["evoting_fallback_votes_waiting"] == 0
    for node_id in cluster.nodes:
        assert found[f"evoting_validator_health{{node_id={node_id},state=healthy}}"] in (0, 1)
    assert any(key.startswith("django_http_requests_total_by_method") for key in found)

    names = family_names(found)
    blocks_with_votes = 0.0
    for node in cluster.nodes.values():
        in_step = functools.partial(height_matches_health, node.url)
        wait_until(in_step, 30, f"{node.node_id}'s height")
        on_node = scrape(node.url)
        names |= family_names(on_node)
        # Every vote is in a block this node committed (or fetched): the histogram saw them.
        assert on_node["evoting_validator_block_transactions_count"] >= 1
        assert on_node["evoting_validator_commit_latency_seconds_count"] >= 1
        blocks_with_votes = max(
            blocks_with_votes, on_node["evoting_validator_block_transactions_sum"]
        )
    assert blocks_with_votes == VOTERS

    # The dashboard graphs only what the services export.
    wanted = set(re.findall(r"\b(?:evoting|django)_[a-z_]+", DASHBOARD.read_text()))
    assert wanted and wanted <= names, sorted(wanted - names)
    json.loads(DASHBOARD.read_text())
