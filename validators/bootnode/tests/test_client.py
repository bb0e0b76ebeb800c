"""The Django-free client against a real bootnode process (gunicorn on a free loopback port)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from validators.bootnode import client
from validators.bootnode.client import BootnodeUnavailable
from validators.bootnode.tests.testing import Network, Node

REPO_DIR = Path(client.__file__).resolve().parents[2]
READY_WITHIN_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BootnodeProcess:
    """One bootnode (gunicorn master and worker in their own process group) on a fixed port
    and database, so it can be killed and started again on the same registry."""

    def __init__(self, workdir: Path, network: Network) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "bootnode.log"
        self.env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "validators.bootnode.settings",
            "BOOTNODE_DATABASE_URL": f"sqlite:///{workdir / 'bootnode.sqlite3'}",
            "NETWORK_DIR": str(network.directory),
            "BOOTNODE_PEER_TTL_SECONDS": "300",
            "DJANGO_SECRET_KEY": "bootnode-client-test",
            "PYTHONPATH": str(REPO_DIR),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def migrate(self) -> None:
        command = [sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"]
        subprocess.run(command, env=self.env, cwd=REPO_DIR, check=True, timeout=120)

    def start(self) -> None:
        command = [
            *(sys.executable, "-m", "gunicorn", "validators.bootnode.wsgi:application"),
            *("--bind", f"127.0.0.1:{self.port}", "--workers", "1"),
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=self.env, cwd=REPO_DIR, stdout=log, stderr=log, start_new_session=True
            )
        self.wait_until_healthy()

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + READY_WITHIN_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.log_tail()
            if self.answers_health():
                return
            time.sleep(0.05)  # the polling interval; readiness is what ends the loop
        pytest.fail(f"bootnode not healthy within {READY_WITHIN_SECONDS} s\n{self.log_tail()}")

    def answers_health(self) -> bool:
        try:
            return requests.get(f"{self.url}/health", timeout=0.5).ok
        except requests.RequestException:
            return False

    def kill(self) -> None:
        """SIGKILL the whole process group (master and worker), as a crash would."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""


@pytest.fixture
def bootnode(tmp_path: Path, network: Network) -> Iterator[BootnodeProcess]:
    process = BootnodeProcess(tmp_path, network)
    process.migrate()
    try:
        process.start()
        yield process
    finally:
        process.kill()


@pytest.mark.integration
def test_the_client_registers_heartbeats_and_discovers_through_a_live_bootnode(
    bootnode: BootnodeProcess, alice: Node, bob: Node
) -> None:
    entry = client.register(
        bootnode.url, "evoting-test", alice.node_id, alice.url, alice.signing_key
    )
    client.register(bootnode.url, "evoting-test", bob.node_id, bob.url, bob.signing_key)
    refreshed = client.heartbeat(bootnode.url, "evoting-test", alice.node_id, alice.signing_key)

    peers = client.discover(bootnode.url, alice.node_id)

    assert entry["url"] == alice.url
    assert refreshed["last_seen_at"] >= entry["last_seen_at"]
    assert [(p["node_id"], p["url"], p["public_key"]) for p in peers] == [
        (bob.node_id, bob.url, bob.public_key)
    ]


@pytest.mark.integration
def test_the_client_reports_a_refusal_with_its_status_and_code(
    bootnode: BootnodeProcess, alice: Node, mallory: Node
) -> None:
    with pytest.raises(BootnodeUnavailable) as refused:
        client.register(
            bootnode.url, "evoting-test", mallory.node_id, mallory.url, mallory.signing_key
        )
    with pytest.raises(BootnodeUnavailable) as unregistered:
        client.heartbeat(bootnode.url, "evoting-test", alice.node_id, alice.signing_key)

    assert (refused.value.status, refused.value.code) == (403, "unknown_validator")
    assert (unregistered.value.status, unregistered.value.code) == (404, "peer_not_registered")


@pytest.mark.integration
def test_the_client_raises_when_the_bootnode_is_down_and_the_registry_outlives_a_restart(
    bootnode: BootnodeProcess, alice: Node, bob: Node
) -> None:
    client.register(bootnode.url, "evoting-test", alice.node_id, alice.url, alice.signing_key)
    client.register(bootnode.url, "evoting-test", bob.node_id, bob.url, bob.signing_key)

    bootnode.kill()
    with pytest.raises(BootnodeUnavailable) as down:
        client.discover(bootnode.url, alice.node_id, timeout=0.5)
    bootnode.start()

    assert down.value.status is None
    assert [p["url"] for p in client.discover(bootnode.url, alice.node_id)] == [bob.url]


def test_the_client_raises_bootnode_unavailable_when_nothing_listens(alice: Node) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(BootnodeUnavailable):
        client.register(
            nowhere, "evoting-test", alice.node_id, alice.url, alice.signing_key, timeout=0.5
        )
    with pytest.raises(BootnodeUnavailable):
        client.discover(nowhere, alice.node_id, timeout=0.5)
