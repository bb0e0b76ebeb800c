"""Fixtures shared by the network and fallback tests: a generated network (genesis + keys) with
a fake HTTP layer for unit tests, or a real validator cluster for integration tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import SettingsWrapper

from apps.elections.models import Election
from apps.elections.services import create_election
from apps.network import signing
from apps.network.genesis import network_genesis
from apps.network.tests.fakes import FakeNetwork, install
from apps.votes.models import Vote
from tests.integration.cluster import Cluster
from validators.chain.network_files import NetworkParameters, create_network


def point_at_network(settings: SettingsWrapper, network_dir: Path) -> None:
    settings.NETWORK_DIR = network_dir
    settings.SUBMITTER_KEY_PATH = network_dir / "keys" / "backend.key"
    network_genesis.cache_clear()
    signing._load_key.cache_clear()


@pytest.fixture
def fake_network(
    tmp_path: Path, settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeNetwork]:
    """Three validators on made-up hosts, answered in memory (see fakes.py)."""
    params = NetworkParameters(
        validator_urls=tuple(f"http://validator-{n}.test:800{n}" for n in (1, 2, 3)),
        block_interval_ms=1000,
        max_block_txs=5000,
        max_payload_bytes=1 << 20,
        bootnode_url="http://bootnode.test:8546",
    )
    create_network(tmp_path / "network", params)
    point_at_network(settings, tmp_path / "network")
    yield install(monkeypatch, network_genesis())
    network_genesis.cache_clear()


@pytest.fixture
def cluster(tmp_path: Path, settings: SettingsWrapper) -> Iterator[Cluster]:
    """Three real validators (web + worker with beat each) and a bootnode on loopback,
    1 s blocks; the backend's settings point at their genesis and submitter key."""
    running = Cluster(tmp_path / "cluster", interval_ms=1000)
    try:
        running.start()
        point_at_network(settings, running.network_dir)
        yield running
    finally:
        running.stop()
        network_genesis.cache_clear()


@pytest.fixture
def election(db: None) -> Election:
    """A draft election is enough: delivery needs only its chain election id."""
    return create_election("Board", ["Ada", "Grace"])


@pytest.fixture
def make_votes(election: Election) -> Callable[[int], list[Vote]]:
    """Outbox rows as cast_ballot leaves them (`pending`), with stand-in ballots."""
    made = 0

    def make(count: int) -> list[Vote]:
        nonlocal made
        votes = [
            Vote.objects.create(
                election=election,
                voter_pseudonym=f"{made + i:064x}",
                ballot=f'{{"ballot":{made + i}}}',
                tracker=f"{made + i:064x}",
            )
            for i in range(count)
        ]
        made += count
        return votes

    return make
