"""The cluster fixture: real validator processes on loopback, always stopped afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cluster import Cluster


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(tmp_path, interval_ms=1000)
    try:
        running.start()
        yield running
    finally:
        running.stop()
