"""A real validator network on loopback for tests and benchmarks.

Every node is a gunicorn web process and a Celery worker (solo pool, embedded beat) with its
own database, broker folder and key; a bootnode runs beside them. Nothing is stubbed. The
cluster polls for readiness with deadlines and always stops what it started.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from validators.core.blocks import Transaction
from validators.core.keys import SigningKey

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except requests.RequestException:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def postgres_url(database: str) -> str:
    """The URL of `database` on the server DATABASE_URL names (each run makes its own)."""
    return f"{os.environ['DATABASE_URL'].rsplit('/', 1)[0]}/{database}"


def on_postgres_server(*statements: str) -> None:
    """Run statements such as CREATE/DROP DATABASE on the DATABASE_URL server."""
    import psycopg

    with psycopg.connect(postgres_url("postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the process and everything in its session (gunicorn workers, the beat child),
    even when the leader itself has already exited."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


@dataclass
class NodeProcesses:
    node_id: str
    port: int
    web: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def gunicorn(
    app: str,
    port: int,
    threads: int = 8,
    timeout: int | None = None,
    workers: int = 1,
    host: str = "127.0.0.1",
) -> list[str]:
    """The command for gunicorn with `workers` processes of `threads` threads on host:port."""
    command = [str(BIN / "gunicorn"), app, "--bind", f"{host}:{port}"]
    command += ["--workers", str(workers), "--threads", str(threads)]
    return command + (["--timeout", str(timeout)] if timeout is not None else [])


@dataclass
class Cluster:
    root: Path
    size: int = 3
    interval_ms: int = 1000
    tick_seconds: float = 0.25
    max_block_txs: int = 5000
    nodes: dict[str, NodeProcesses] = field(default_factory=dict)
    bootnode: subprocess.Popen | None = None
    bootnode_port: int = 0
    bootnode_host: str = "127.0.0.1"
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    # Validators in genesis that this cluster does not run: a test plays them itself.
    outside: tuple[str, ...] = ()

    # ------------------------------------------------------------------ set-up

    def start(self) -> Cluster:
        addresses = self.node_addresses()
        self.bootnode_port = self.bootnode_port or free_port()
        self._run(
            [
                str(BIN / "python"),
                "validators/manage.py",
                "make_genesis",
                "--validators",
                str(self.size),
                "--base-port",
                "1",
                "--interval-ms",
                str(self.interval_ms),
                "--max-block-txs",
                str(self.max_block_txs),
                "--bootnode-url",
                f"http://{self.bootnode_host}:{self.bootnode_port}",
                "--network-dir",
                str(self.network_dir),
            ],
            self.env(None),
        )
        self._rewrite_urls(addresses)
        self._start_bootnode()
        for i, (host, port) in enumerate(addresses, start=1):
            if f"validator-{i}" in self.outside:
                continue
            node = NodeProcesses(f"validator-{i}", port, host=host)
            self.nodes[node.node_id] = node
            self._run(
                [str(BIN / "python"), "validators/manage.py", "ensure_database"],
                self.env(node.node_id),
            )
            self._run(
                [str(BIN / "python"), "validators/manage.py", "migrate", "--noinput", "-v0"],
                self.env(node.node_id),
            )
        for node_id in self.nodes:
            self.start_node(node_id)
        for node_id in self.nodes:
            self.wait_ready(node_id)
        return self

    @property
    def network_dir(self) -> Path:
        return self.root / "network"

    def node_addresses(self) -> list[tuple[str, int]]:
        """(host, port) of each validator's web process: loopback, on whatever ports are free."""
        return [("127.0.0.1", free_port()) for _ in range(self.size)]

    def node_command(self, node_id: str, command: list[str]) -> list[str]:
        """How a node's process is started: as it is here (a subclass may wrap it)."""
        return command

    def _rewrite_urls(self, addresses: list[tuple[str, int]]) -> None:
        """make_genesis numbers ports from a base; tests take whatever addresses they chose."""
        path = self.network_dir / "genesis.json"
        data = json.loads(path.read_text())
        for validator, (host, port) in zip(data["validators"], addresses, strict=True):
            validator["url"] = f"http://{host}:{port}"
        path.write_text(json.dumps(data, indent=2))

    def env(self, node_id: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("NODE_ID", "CRASH_AT")}
        env.update(
            {
                "VAR_DIR": str(self.root / "var"),
                "NETWORK_DIR": str(self.network_dir),
                "CONSENSUS_TICK_SECONDS": str(self.tick_seconds),
                "BOOTNODE_DATABASE_URL": f"sqlite:///{self.root / 'bootnode.sqlite3'}",
                "PYTHONUNBUFFERED": "1",
                "DJANGO_SETTINGS_MODULE": "validators.node.settings",
            }
        )
        if node_id:
            env["NODE_ID"] = node_id
            if os.environ.get("DATABASE_URL"):
                env["NODE_DATABASE_URL"] = postgres_url(self.node_database(node_id))
            if os.environ.get("REDIS_URL"):
                env["CELERY_BROKER_URL"] = os.environ["REDIS_URL"]
        env.update(extra or {})
        return env

    def _run(self, command: list[str], env: dict[str, str]) -> None:
        subprocess.run(command, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)

    def _log(self, name: str) -> Any:
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        return open(self.root / "logs" / f"{name}.log", "ab")

    def spawn(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        """Start a process in its own session, logging to logs/<name>.log under the root."""
        return subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=self._log(name),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _start_bootnode(self) -> None:
        env = self.env(None, {"DJANGO_SETTINGS_MODULE": "validators.bootnode.settings"})
        self._run([str(BIN / "python"), "-m", "django", "migrate", "--noinput", "-v0"], env)
        self.bootnode = self.spawn(
            "bootnode",
            gunicorn(
                "validators.bootnode.wsgi:application",
                self.bootnode_port,
                threads=4,
                host=self.bootnode_host,
            ),
            env,
        )

    # ------------------------------------------------------------------ node control

    def start_node(self, node_id: str, extra_env: dict[str, str] | None = None) -> None:
        node = self.nodes[node_id]
        env = self.env(node_id, extra_env)
        web = gunicorn("validators.node.wsgi:application", node.port, timeout=60, host=node.host)
        node.web = self.spawn(node_id, self.node_command(node_id, web), env)
        node.worker = self.spawn(
            f"{node_id}-worker",
            self.node_command(
                node_id,
                [
                    str(BIN / "celery"),
                    "-A",
                    "validators.node",
                    "worker",
                    "-n",
                    f"{node_id}@%h",
                    "-B",
                    "-P",
                    "solo",
                    "--loglevel",
                    "INFO",
                    "-s",
                    str(self.root / f"beat-{node_id}"),
                ],
            ),
            env,
        )

    def wait_ready(self, node_id: str, timeout: float = 30.0) -> None:
        def ready() -> bool:
            health = self.health(node_id)
            return health.get("status") == "ok"

        wait_until(ready, timeout, f"{node_id} to report ok")

    def kill_node(self, node_id: str) -> None:
        """kill -9 the node's web and worker (and the worker's beat child)."""
        node = self.nodes[node_id]
        for process in (node.web, node.worker):
            if process is not None:
                kill_group(process)

    def stop(self) -> None:
        for node_id in self.nodes:
            self.kill_node(node_id)
        if self.bootnode is not None:
            kill_group(self.bootnode)
        if os.environ.get("DATABASE_URL"):
            self._drop_databases()

    def node_database(self, node_id: str) -> str:
        return f"evt_{self.run_id}_{node_id.replace('-', '_')}"

    def _drop_databases(self) -> None:
        on_postgres_server(
            *(f'DROP DATABASE IF EXISTS "{self.node_database(n)}" WITH (FORCE)' for n in self.nodes)
        )

    # ------------------------------------------------------------------ talking to nodes

    def url(self, node_id: str) -> str:
        return self.nodes[node_id].url

    def health(self, node_id: str) -> dict[str, Any]:
        return requests.get(self.url(node_id) + "/health", timeout=2).json()

    def height(self, node_id: str) -> int:
        return int(self.health(node_id)["height"])

    def rpc(self, node_id: str, body: Any, timeout: float = 60) -> Any:
        response = requests.post(self.url(node_id) + "/rpc", json=body, timeout=timeout)
        return response.json()

    def blocks(self, node_id: str, start: int, limit: int = 200) -> list[dict[str, Any]]:
        response = requests.get(
            self.url(node_id) + "/peer/blocks", params={"from": start, "limit": limit}, timeout=10
        )
        return response.json()["blocks"]

    def all_blocks(self, node_id: str, up_to: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while len(out) < up_to:
            batch = self.blocks(node_id, len(out) + 1, min(200, up_to - len(out)))
            if not batch:
                break
            out += batch
        return out

    def submitter(self) -> SigningKey:
        return SigningKey.load(self.network_dir / "keys" / "backend.key")

    @property
    def chain_id(self) -> str:
        return str(json.loads((self.network_dir / "genesis.json").read_text())["chain_id"])


def make_transaction(
    key: SigningKey, chain_id: str, election_id: str, voter: str, payload: str = "ballot"
) -> Transaction:
    tx = Transaction(
        uuid.uuid4().hex,
        election_id,
        voter,
        payload,
        int(time.time() * 1000),
        key.public_key,
        "",
        chain_id,
    )
    return Transaction(**{**tx.to_dict(), "signature": key.sign(tx.signing_bytes)})


def send_batch(cluster: Cluster, node_id: str, txs: list[Transaction]) -> list[Any]:
    body = [
        {"jsonrpc": "2.0", "id": i, "method": "eth_sendTransaction", "params": [tx.to_dict()]}
        for i, tx in enumerate(txs)
    ]
    return cluster.rpc(node_id, body)
