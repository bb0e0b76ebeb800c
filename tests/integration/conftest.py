"""The cluster fixture: real validator processes on loopback, always stopped afterwards; and
the backend fixture, its web and worker on that cluster (a test module that needs other
worker counts defines its own).

When a test fails, the processes' logs are copied to test-artifacts/<test name>/ (git-ignored)
so the failure can be read after pytest has cleaned its temporary folders.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.backend import Backend
from tests.integration.cluster import REPO, Cluster


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(tmp_path, interval_ms=1000)
    try:
        running.start()
        yield running
    finally:
        running.stop()
        report = getattr(request.node, "report_call", None)
        if report is None or report.failed:
            keep = REPO / "test-artifacts" / request.node.name
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(tmp_path / "logs", keep, dirs_exist_ok=True)


@pytest.fixture
def backend(cluster: Cluster, tmp_path: Path) -> Iterator[Backend]:
    running = Backend(cluster, tmp_path / "backend")
    try:
        yield running.start()
    finally:
        running.stop()
