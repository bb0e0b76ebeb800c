"""A generated network (genesis + keys) in a temporary folder for node tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import SettingsWrapper

from validators.chain import network_config
from validators.chain.network_files import NetworkParameters, create_network
from validators.core.genesis import Genesis
from validators.core.keys import SigningKey


@pytest.fixture
def network(tmp_path: Path, settings: SettingsWrapper) -> Iterator[Genesis]:
    """Three validators on unused ports (nothing listens), this process acting as validator-1."""
    params = NetworkParameters(
        validator_urls=("http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9"),
        block_interval_ms=1000,
        max_block_txs=5000,
        max_payload_bytes=1024,
        bootnode_url="http://127.0.0.1:9",
    )
    genesis = create_network(tmp_path, params)
    settings.NETWORK_DIR = tmp_path
    settings.NODE_ID = "validator-1"
    network_config.genesis.cache_clear()
    network_config.node_key.cache_clear()
    yield genesis
    network_config.genesis.cache_clear()
    network_config.node_key.cache_clear()


@pytest.fixture
def submitter(network: Genesis, settings: SettingsWrapper) -> SigningKey:
    """The backend's key: the one authorised transaction submitter."""
    return SigningKey.load(Path(settings.NETWORK_DIR) / "keys" / "backend.key")


@pytest.fixture
def stalled() -> Iterator[str]:
    """A peer's URL where connections complete (the kernel's backlog) and requests are never
    answered, as with a SIGSTOPped process: a listening socket nobody accepts from."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    host, port = server.getsockname()
    yield f"http://{host}:{port}"
    server.close()
