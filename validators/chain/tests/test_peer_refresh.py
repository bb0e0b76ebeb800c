"""The bootnode refresh never holds the worker's one thread, which runs the consensus engine:
a bootnode that takes connections and never answers (or drops packets) costs nothing there."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import SettingsWrapper

from validators.chain import membership, network_config, tasks
from validators.chain.network_files import NetworkParameters, create_network


@pytest.fixture
def silent_bootnode(tmp_path: Path, settings: SettingsWrapper) -> Iterator[None]:
    """Genesis naming a bootnode whose connections complete (the kernel's backlog) and whose
    answers never come."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    host, port = server.getsockname()
    params = NetworkParameters(
        validator_urls=("http://127.0.0.1:9",) * 3,
        block_interval_ms=1000,
        max_block_txs=5000,
        max_payload_bytes=1024,
        bootnode_url=f"http://{host}:{port}",
    )
    create_network(tmp_path, params)
    settings.NETWORK_DIR = tmp_path
    settings.NODE_ID = "validator-1"
    network_config.genesis.cache_clear()
    network_config.node_key.cache_clear()
    yield
    server.close()
    network_config.genesis.cache_clear()
    network_config.node_key.cache_clear()


def test_the_refresh_task_returns_at_once_while_the_bootnode_is_silent(
    silent_bootnode: None,
) -> None:
    started = time.monotonic()
    tasks.refresh_peers()
    assert time.monotonic() - started < 0.5
    # One refresh at a time: the next beat finds this one still waiting and starts none.
    assert membership.refresh_in_background() is None
    running = [t for t in threading.enumerate() if t.name == "refresh-peers"]
    assert len(running) == 1
    running[0].join(timeout=10)  # the bootnode calls time out; then the next one may start
    assert not running[0].is_alive()
