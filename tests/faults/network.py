"""The fault harness's network: three validators, each in its own namespace, and the backend.

Every validator's web and worker run under `ip netns exec evf-vN`, serving on 10.77.0.1N:8001;
genesis names those addresses. The bootnode (10.77.0.1:8546), the backend's web and worker,
and the test process itself run in the control namespace `evf-ctl` on the same bridge. The
processes and their databases are those of tests/integration (Cluster, Backend): nothing is
stubbed.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from tests.faults.fabric import CONTROL, SUBNET, Fabric, entered, one_run_at_a_time
from tests.faults.proxy import LinkProxy
from tests.faults.schedule import VALIDATORS, Step
from tests.integration.backend import Backend
from tests.integration.cluster import REPO, Cluster, wait_until
from tests.integration.test_backend_vote_path import cast, open_election

NODE_PORT = 8001
BOOTNODE_PORT = 8546
PROXY_PORT_BASE = 9000  # the proxy to validator N listens on 9000 + N in the control namespace


def node_id(member: str) -> str:
    """v2 -> validator-2."""
    return f"validator-{member[1:]}"


def members(count: int = len(VALIDATORS)) -> list[str]:
    """v1, v2, ... for `count` validators."""
    return [f"v{n}" for n in range(1, count + 1)]


def member_addresses(count: int = len(VALIDATORS)) -> dict[str, str]:
    addresses = {CONTROL: f"{SUBNET}.1"}
    addresses.update({v: f"{SUBNET}.1{v[1:]}" for v in members(count)})
    return addresses


@dataclass
class NamespacedCluster(Cluster):
    """A Cluster whose validators each run in their own network namespace."""

    fabric: Fabric = field(default_factory=Fabric)
    bootnode_host: str = f"{SUBNET}.1"
    bootnode_port: int = BOOTNODE_PORT

    def node_addresses(self) -> list[tuple[str, int]]:
        return [(self.fabric.members[v], NODE_PORT) for v in members(self.size)]

    def env(self, node_id: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
        # The bootnode answers only the host names it is told (10.77.0.1, not loopback here).
        return super().env(node_id, {"BOOTNODE_ALLOWED_HOSTS": self.bootnode_host, **(extra or {})})

    def node_command(self, node_id: str, command: list[str]) -> list[str]:
        member = f"v{node_id.rsplit('-', 1)[1]}"
        return ["ip", "netns", "exec", self.fabric.namespace(member), *command]

    def signal_node(self, node_id: str, signum: signal.Signals) -> None:
        """Send `signum` to the node's web and worker process groups."""
        node = self.nodes[node_id]
        for process in (node.web, node.worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signum)

    def stored_times(self) -> dict[str, dict[int, float]]:
        """node id -> height -> when (epoch seconds) that node stored the block, read from the
        nodes' own databases (StoredBlock.committed_at)."""
        stored: dict[str, dict[int, float]] = {}
        for node_id in self.nodes:
            path = self.root / "var" / "validators" / f"{node_id}.sqlite3"
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as conn:
                rows = conn.execute("SELECT height, committed_at FROM chain_storedblock")
                stored[node_id] = {
                    height: datetime.fromisoformat(at).replace(tzinfo=UTC).timestamp()
                    for height, at in rows
                }
        return stored


@dataclass
class Applied:
    """A step as it ran (epoch seconds): when its fault was fully in place, when healing began
    (the first link may be up from then on) and when it was done."""

    step: Step
    started: float
    healed: float = 0.0
    healing: float = 0.0
    proxies: list[LinkProxy] = field(default_factory=list)

    @property
    def proxied(self) -> str:
        """What the step's proxies did, for the report."""
        forwarded = sum(p.forwarded for p in self.proxies)
        dropped = sum(p.dropped for p in self.proxies)
        return f"{forwarded} connections delayed, {dropped} dropped"


@dataclass
class FaultNetwork:
    """The fabric, the namespaced validators and the backend; applies and heals steps."""

    root: Path
    fabric: Fabric = field(default_factory=Fabric)
    cluster: NamespacedCluster | None = None
    backend: Backend | None = None
    size: int = 3  # validators in genesis
    outside: tuple[str, ...] = ()  # those of them the test plays itself

    def start(self) -> FaultNetwork:
        """Start every process; the fabric exists and this thread is in its control namespace."""
        self.cluster = NamespacedCluster(
            self.root, size=self.size, interval_ms=1000, fabric=self.fabric, outside=self.outside
        )
        self.cluster.start()
        self.backend = Backend(self.cluster, self.root / "backend").start()
        return self

    def stop(self) -> None:
        if self.backend is not None:
            self.backend.stop()
        if self.cluster is not None:
            self.cluster.stop()

    # ------------------------------------------------------------------ faults

    def apply(self, step: Step) -> Applied:
        a, b, c = step.targets
        cluster = self.cluster
        assert cluster is not None
        if step.kind == "isolate":
            for other in self.fabric.members:
                if other != a:
                    self.fabric.cut(a, other)
        elif step.kind == "split":
            self.fabric.cut(a, b)
            self.fabric.cut(a, c)
            for other in (b, c) if step.backend_with == a else (a,):
                self.fabric.cut(CONTROL, other)
        elif step.kind == "bridge":
            self.fabric.cut(a, c)
        elif step.kind == "asymmetric":
            self.fabric.deaf(b, a, NODE_PORT)
        elif step.kind == "pause":
            cluster.signal_node(node_id(a), signal.SIGSTOP)
        elif step.kind == "kill":
            cluster.kill_node(node_id(a))
        elif step.kind == "no_quorum":
            for x, y in ((a, b), (a, c), (b, c)):
                self.fabric.cut(x, y)
        elif step.kind == "slow_link":
            applied = Applied(step, time.time())
            for sender, receiver in ((a, b), (b, a)):
                proxy = self.proxy_to(receiver, step, seed=len(applied.proxies))
                applied.proxies.append(proxy)
                self.fabric.steer(sender, receiver, NODE_PORT, proxy.listen)
            return applied
        else:
            raise ValueError(f"unknown fault {step.kind}")
        return Applied(step, time.time())

    def proxy_to(self, member: str, step: Step, seed: int) -> LinkProxy:
        """A proxy in the control namespace to `member`'s port, with the step's delay and loss
        (its losses seeded from the step, so a replay loses the same connections in turn)."""
        listen = (self.fabric.members[CONTROL], PROXY_PORT_BASE + int(member[1:]))
        target = (self.fabric.members[member], NODE_PORT)
        rng_seed = zlib.crc32(repr((step, seed)).encode())
        return LinkProxy(listen, target, step.delay, step.loss, rng_seed).start()

    def heal(self, applied: Applied) -> None:
        cluster = self.cluster
        assert cluster is not None
        applied.healing = time.time()
        self.fabric.heal()
        for proxy in applied.proxies:
            proxy.stop()
        target = node_id(applied.step.targets[0])
        if applied.step.kind == "pause":
            cluster.signal_node(target, signal.SIGCONT)
        elif applied.step.kind == "kill":
            cluster.start_node(target)
        applied.healed = time.time()

    def heal_all(self) -> None:
        """Every link up, every validator running (after an interrupted step too)."""
        cluster = self.cluster
        assert cluster is not None
        self.fabric.heal()
        for node_id, node in cluster.nodes.items():
            if any(p is None or p.poll() is not None for p in (node.web, node.worker)):
                cluster.kill_node(node_id)
                cluster.start_node(node_id)
            else:
                cluster.signal_node(node_id, signal.SIGCONT)


@dataclass
class Ballot:
    """One vote sent through the API: the HTTP status, and the transaction id on 201."""

    voter: str
    status: int
    transaction_id: str | None
    sent_at: float


@dataclass
class VoteDriver:
    """Casts the roll's votes one by one through the backend's API, one every `every` seconds,
    until stopped or the roll is used up; remembers every answer."""

    backend: Backend
    election: dict[str, Any]
    roll: list[tuple[str, str]]
    every: float = 0.5
    ballots: list[Ballot] = field(default_factory=list)
    stopped: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> VoteDriver:
        self.thread = threading.Thread(target=self._run, name="votes", daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        for i, (email, password) in enumerate(self.roll):
            if self.stopped.is_set():
                return
            sent_at = time.time()
            try:
                response = cast(
                    self.backend, self.election, email, password, i % 3, client_side=False
                )
                status = response.status_code
                tx = response.json().get("transaction_id") if status == 201 else None
            except (requests.RequestException, AssertionError, ValueError):
                status, tx = 0, None
            self.ballots.append(Ballot(email, status, tx, sent_at))
            self.stopped.wait(self.every)

    def stop(self) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=60)

    @property
    def acknowledged(self) -> list[str]:
        return [b.transaction_id for b in self.ballots if b.status == 201 and b.transaction_id]


def start_votes(network: FaultNetwork, voters: int, trustee_folder: Path) -> VoteDriver:
    """An open election with `voters` on its roll, and a driver casting their votes."""
    assert network.backend is not None
    election, roll = open_election(network.backend, voters, trustee_folder)
    return VoteDriver(network.backend, election, roll).start()


def on_chain(cluster: Cluster, node_id: str, election_id: str) -> set[str]:
    response = requests.get(
        cluster.url(node_id) + "/blockchain", params={"election_id": election_id}, timeout=10
    )
    return {tx["tx_id"] for tx in response.json()["transactions"]}


def settle(cluster: Cluster, driver: VoteDriver) -> None:
    """Wait (bounded) until every node holds every acknowledged vote and the heights meet;
    a timeout is left to the checker to report."""
    wanted = set(driver.acknowledged)
    election_id = driver.election["chain_election_id"]
    try:
        wait_until(
            lambda: all(wanted <= on_chain(cluster, n, election_id) for n in cluster.nodes),
            60,
            "every acknowledged vote on every node",
            every=1,
        )
        wait_until(
            lambda: max(h := [cluster.height(n) for n in cluster.nodes]) - min(h) <= 1,
            20,
            "the heights to meet",
            every=0.5,
        )
    except TimeoutError as exc:
        print(f"settle: {exc}")


def keep_artifacts(name: str, root: Path, lines: list[str], passed: bool) -> None:
    """A failing seed's process logs and checker lines, kept under test-artifacts/<name>."""
    if passed:
        return
    keep = REPO / "test-artifacts" / name
    shutil.rmtree(keep, ignore_errors=True)
    if (root / "logs").exists():
        shutil.copytree(root / "logs", keep)
    keep.mkdir(parents=True, exist_ok=True)
    (keep / "checker.txt").write_text("\n".join(lines) + "\n")


def run_on_fabric(
    artifacts: str,
    root: Path,
    lines: list[str],
    run: Callable[[FaultNetwork], bool],
    size: int = 3,
    outside: tuple[str, ...] = (),
) -> bool:
    """`run` against a FaultNetwork of `size` validators on a fabric of its own, from the
    control namespace, one run per machine; the fabric and every process are removed
    afterwards, and a failed run's logs and checker lines kept under test-artifacts/."""
    for var in ("DATABASE_URL", "REDIS_URL"):  # servers on the host's loopback are not reachable
        os.environ.pop(var, None)
    fabric = Fabric()
    passed = False
    with one_run_at_a_time():
        try:
            fabric.create(member_addresses(size))
            with entered(fabric.namespace(CONTROL)):
                network = FaultNetwork(root, fabric, size=size, outside=outside)
                try:
                    passed = run(network)
                finally:
                    network.stop()
        finally:
            fabric.destroy()
            keep_artifacts(artifacts, root, lines, passed)
    return passed
