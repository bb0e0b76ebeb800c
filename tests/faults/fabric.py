"""A private network for the fault tests: one network namespace per member on a bridge.

The bridge lives in a namespace of its own ("fabric"), and every member (the control
namespace, where the backend, the bootnode and the test process itself run, and one per
validator) joins it through a veth pair, with its own address on 10.77.0.0/24. Nothing is
added to the host's own network: the test process moves its thread into the control namespace
for the run (setns(2)) and back afterwards.

Faults are iptables rules in a member's namespace, removed by flushing its chains:

- `cut(a, b)`: every packet between a and b is dropped, both ways;
- `deaf(a, b)`: a does not hear b: b can open no TCP connection to a's port, while a still
  reaches b (b's answers to a's own requests come back);
- `steer(a, b)`: a's connections to b go through a proxy (tests/faults/proxy.py: delay, loss).

Namespaces are named with a fixed prefix; `remove_leftovers()` kills whatever still runs in
such a namespace (a crashed earlier run) and deletes them.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "evf-"
FABRIC = f"{PREFIX}fabric"
CONTROL = "ctl"
SUBNET = "10.77.0"
CLONE_NEWNET = 0x40000000


def ip(*args: str) -> str:
    """Run `ip` with these arguments; its output. CalledProcessError (with stderr) on failure."""
    done = subprocess.run(["ip", *args], check=True, capture_output=True, text=True)
    return done.stdout


def namespaces() -> list[str]:
    return [line.split()[0] for line in ip("netns", "list").splitlines() if line.strip()]


def remove_leftovers() -> list[str]:
    """SIGKILL every process in a namespace of ours, then delete those namespaces; their names."""
    ours = [name for name in namespaces() if name.startswith(PREFIX)]
    for name in ours:
        for pid in ip("netns", "pids", name).split():
            if int(pid) != os.getpid():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        ip("netns", "delete", name)
    return ours


def _setns(path: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"setns({path}): {os.strerror(errno)}")
    finally:
        os.close(fd)


@contextmanager
def entered(namespace: str) -> Iterator[None]:
    """Run this thread (and the threads and processes it starts) in `namespace`."""
    original = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        _setns(f"/run/netns/{namespace}")
        try:
            yield
        finally:
            _setns(f"/proc/self/fd/{original}")
    finally:
        os.close(original)


@dataclass
class Fabric:
    """The bridge and its members: name -> address (10.77.0.x)."""

    members: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def namespace(member: str) -> str:
        return f"{PREFIX}{member}"

    def create(self, members: dict[str, str]) -> Fabric:
        remove_leftovers()
        ip("netns", "add", FABRIC)
        ip("-n", FABRIC, "link", "add", "br0", "type", "bridge")
        ip("-n", FABRIC, "link", "set", "br0", "up")
        for member, address in members.items():
            ns = self.namespace(member)
            ip("netns", "add", ns)
            self.members[member] = address
            port = f"p-{member}"
            ip(
                "-n",
                FABRIC,
                "link",
                "add",
                port,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                ns,
            )
            ip("-n", FABRIC, "link", "set", port, "master", "br0", "up")
            ip("-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")
            ip("-n", ns, "link", "set", "eth0", "up")
            ip("-n", ns, "link", "set", "lo", "up")
        return self

    def destroy(self) -> None:
        remove_leftovers()
        self.members.clear()

    def iptables(self, member: str, *args: str) -> None:
        subprocess.run(
            ["ip", "netns", "exec", self.namespace(member), "iptables", "-w", *args],
            check=True,
            capture_output=True,
        )

    def cut(self, a: str, b: str) -> None:
        """No packet passes between a and b, either way."""
        self.iptables(a, "-A", "INPUT", "-s", self.members[b], "-j", "DROP")
        self.iptables(b, "-A", "INPUT", "-s", self.members[a], "-j", "DROP")

    def deaf(self, a: str, b: str, port: int) -> None:
        """a does not hear b: b's connections to a's `port` are dropped; a still reaches b."""
        rule = ["-s", self.members[b], "-p", "tcp", "--dport", str(port), "-j", "DROP"]
        self.iptables(a, "-A", "INPUT", *rule)

    def steer(self, a: str, b: str, port: int, via: tuple[str, int]) -> None:
        """a's new connections to b's `port` go to `via` (a proxy) instead; a's connections to
        it already open are reset, so that every later message takes the proxy."""
        target = ["-d", self.members[b], "-p", "tcp", "--dport", str(port)]
        to = f"{via[0]}:{via[1]}"
        self.iptables(a, "-t", "nat", "-A", "OUTPUT", *target, "-j", "DNAT", "--to-destination", to)
        self.iptables(a, "-A", "OUTPUT", *target, "-j", "REJECT", "--reject-with", "tcp-reset")

    def heal(self) -> None:
        """Every link up again, nothing steered."""
        for member in self.members:
            self.iptables(member, "-F", "INPUT")
            self.iptables(member, "-F", "OUTPUT")
            self.iptables(member, "-t", "nat", "-F", "OUTPUT")


LOCK = Path("/run/lock/evoting-faults.lock")


@contextmanager
def one_run_at_a_time() -> Iterator[None]:
    """Hold the machine-wide lock of the fault runs: namespace names are fixed, and a run
    starts by removing what an earlier one left. RuntimeError when another run holds it."""
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with LOCK.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another fault run holds {LOCK}; run one at a time") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def require_root() -> str | None:
    """Why the fault tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "the fault tests make network namespaces and need root"
    for tool in ("ip", "iptables"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            return f"the fault tests need `{tool}` (Debian: apt-get install iproute2 iptables)"
    return None
