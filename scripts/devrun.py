#!/usr/bin/env python
"""`make run`: start every process of the system on one machine and supervise them.

1. Create the network (make_genesis) when var/network/genesis.json is missing.
2. Check that every port is free; if one is taken, print one line and exit 1.
3. Run each process's set-up commands (database, migrations), then start it.
4. Print every process's output on one stream, each line prefixed by the process name.
5. Once the backend and every validator answer /health, print a short banner: where to go,
   the demo log-ins, the metrics, how to stop.
6. A process that dies is reported and left dead; the others keep running.
7. Ctrl-C or SIGTERM stops everything that was started: terminate, then kill after a grace.

Plain Python and the standard library only, so it works before Django is importable. To add a
process, add one ProcessSpec to dev_processes(). The backend comes last: its set-up
(migrate, collectstatic, seed_demo) runs once the validators are up.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TextIO
from urllib.parse import urlsplit

REPO_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SUPERVISOR = "devrun"
BACKEND_PORT = 8000
GRACE_SECONDS = 10.0
POLL_SECONDS = 0.2
READY_POLL_SECONDS = 0.5
READY_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class ProcessSpec:
    """One long-running process, and the commands that must succeed before it starts."""

    name: str
    command: Sequence[str]
    env: dict[str, str] = field(default_factory=dict)
    port: int | None = None
    setup: Sequence[Sequence[str]] = ()
    # Answers 200 once the process serves: the ready banner waits for every one of these.
    health_url: str | None = None


@dataclass(frozen=True)
class ValidatorEntry:
    node_id: str
    host: str
    port: int


@dataclass(frozen=True)
class Network:
    bootnode_host: str
    bootnode_port: int
    validators: tuple[ValidatorEntry, ...]


class Console:
    """One output stream shared by every process, one whole line at a time."""

    def __init__(self, out: TextIO, names: Iterable[str]) -> None:
        self.out = out
        self.width = max(len(name) for name in [SUPERVISOR, *names])
        self.lock = threading.Lock()

    def line(self, name: str, text: str) -> None:
        with self.lock:
            self.out.write(f"{name.ljust(self.width)} | {text.rstrip()}\n")
            self.out.flush()

    def note(self, text: str) -> None:
        self.line(SUPERVISOR, text)


# ---------------------------------------------------------------------- the process list


def network_dir() -> Path:
    var_dir = Path(os.environ.get("VAR_DIR") or REPO_DIR / "var")
    return Path(os.environ.get("NETWORK_DIR") or var_dir / "network")


def host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.hostname is None or parts.port is None:
        raise ValueError(f"{url!r} names no host and port")
    return parts.hostname, parts.port


def read_network(genesis_file: Path) -> Network:
    data = json.loads(genesis_file.read_text())
    bootnode_host, bootnode_port = host_and_port(data["bootnode_url"])
    validators = tuple(
        ValidatorEntry(entry["id"], *host_and_port(entry["url"])) for entry in data["validators"]
    )
    return Network(bootnode_host, bootnode_port, validators)


def bootnode_spec(network: Network) -> ProcessSpec:
    env = {"DJANGO_SETTINGS_MODULE": "validators.bootnode.settings"}
    bind = f"{network.bootnode_host}:{network.bootnode_port}"
    return ProcessSpec(
        name="bootnode",
        command=[PYTHON, "-m", "gunicorn", "validators.bootnode.wsgi:application", "--bind", bind],
        env=env,
        port=network.bootnode_port,
        setup=[[PYTHON, "-m", "django", "migrate", "--noinput", "--verbosity", "0"]],
    )


def validator_specs(entry: ValidatorEntry) -> list[ProcessSpec]:
    manage = [PYTHON, "validators/manage.py"]
    env = {"NODE_ID": entry.node_id, "DJANGO_SETTINGS_MODULE": "validators.node.settings"}
    web = ProcessSpec(
        name=entry.node_id,
        command=[
            *(PYTHON, "-m", "gunicorn", "validators.node.wsgi:application"),
            *("--bind", f"{entry.host}:{entry.port}", "--workers", "1", "--threads", "8"),
        ],
        env=env,
        port=entry.port,
        setup=[[*manage, "ensure_database"], [*manage, "migrate", "--noinput", "--verbosity", "0"]],
        health_url=f"http://{entry.host}:{entry.port}/health",
    )
    # The consensus engine takes one input at a time: a solo pool, not a prefork one.
    worker = ProcessSpec(
        name=f"{entry.node_id}-wkr",
        command=[
            *(PYTHON, "-m", "celery", "--quiet", "-A", "validators.node", "worker", "-B"),
            *("--pool", "solo", "--loglevel", "INFO", "--hostname", f"{entry.node_id}@%h"),
        ],
        env=env,
    )
    return [web, worker]


def backend_specs() -> list[ProcessSpec]:
    """The backend's web and worker. They find genesis and the submitter key in NETWORK_DIR,
    which defaults to var/network for them as for the validators."""
    manage = [PYTHON, "manage.py"]
    env = {"DJANGO_SETTINGS_MODULE": "evoting.settings"}
    web = ProcessSpec(
        name="backend",
        command=[
            *(PYTHON, "-m", "gunicorn", "evoting.wsgi:application"),
            *("--bind", f"127.0.0.1:{BACKEND_PORT}", "--workers", "2", "--threads", "4"),
        ],
        env=env,
        port=BACKEND_PORT,
        health_url=f"http://127.0.0.1:{BACKEND_PORT}/health",
        # Static files for the admin (DEBUG is off: whitenoise serves STATIC_ROOT), then
        # seed_demo, last so its log-in details are the last lines before the web starts.
        setup=[
            [*manage, "migrate", "--noinput", "--verbosity", "0"],
            [*manage, "collectstatic", "--noinput", "--verbosity", "0"],
            [*manage, "seed_demo"],
        ],
    )
    # A thread pool: devrun stops a whole process group, and prefork children killed under
    # their parent made its warm shutdown outlast the grace period.
    worker = ProcessSpec(
        name="backend-wkr",
        command=[
            *(PYTHON, "-m", "celery", "--quiet", "-A", "evoting", "worker", "-B"),
            *("--pool", "threads"),
            # Every queue of the backend's, long jobs too, with threads to spare for delivery
            # while a tally runs.
            *("--queues", "backend,backend-delivery,backend-jobs", "--concurrency", "4"),
            *("--loglevel", "INFO", "--hostname", "backend@%h"),
        ],
        env=env,
    )
    return [web, worker]


def dev_processes(network: Network) -> list[ProcessSpec]:
    specs = [bootnode_spec(network)]
    for entry in network.validators:
        specs += validator_specs(entry)
    return specs + backend_specs()


def ensure_genesis(genesis_file: Path, console: Console) -> bool:
    if genesis_file.exists():
        return True
    console.note(f"no genesis at {genesis_file}: creating a network")
    command = [PYTHON, "validators/manage.py", "make_genesis"]
    return run_to_completion("genesis", command, {}, console) == 0


# ---------------------------------------------------------------------- running processes


def child_env(extra: dict[str, str]) -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", **extra}


def port_in_use(port: int) -> bool:
    """True when something listens on the port (the servers bind with SO_REUSEADDR too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def first_busy_port(specs: Sequence[ProcessSpec]) -> int | None:
    for spec in specs:
        if spec.port is not None and port_in_use(spec.port):
            return spec.port
    return None


@dataclass
class Child:
    """A started process and the thread that copies its output to the console."""

    name: str
    process: subprocess.Popen[str]
    reader: threading.Thread


def spawn(name: str, command: Sequence[str], env: dict[str, str], console: Console) -> Child:
    """Start a process in its own session, so a terminal's Ctrl-C reaches only devrun."""
    process = subprocess.Popen(
        list(command),
        cwd=REPO_DIR,
        env=child_env(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    reader = threading.Thread(target=copy_output, args=(name, process, console), daemon=True)
    reader.start()
    return Child(name, process, reader)


def copy_output(name: str, process: subprocess.Popen[str], console: Console) -> None:
    assert process.stdout is not None
    for text in process.stdout:
        console.line(name, text)


def run_to_completion(
    name: str, command: Sequence[str], env: dict[str, str], console: Console
) -> int:
    child = spawn(name, command, env, console)
    try:
        code = child.process.wait()
        child.reader.join()
        return code
    finally:
        stop_all([child], console)


def signal_group(child: Child, signum: int) -> None:
    try:
        os.killpg(child.process.pid, signum)
    except ProcessLookupError:
        pass


def stop_all(children: Sequence[Child], console: Console) -> None:
    """SIGTERM every process group, wait up to GRACE_SECONDS, then SIGKILL what is left.

    Killing the whole group also ends what a process started itself (gunicorn's workers,
    celery's beat), even when the process itself is already gone.
    """
    for child in children:
        signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children:
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            console.note(f"{child.name} did not stop within {GRACE_SECONDS:g}s; killing it")
        signal_group(child, signal.SIGKILL)
        child.process.wait()
        child.reader.join(timeout=1)


class StopRequested(Exception):
    """SIGINT or SIGTERM reached devrun."""


def raise_stop(signum: int, frame: FrameType | None) -> None:
    raise StopRequested(signal.Signals(signum).name)


def start_all(specs: Sequence[ProcessSpec], running: list[Child], console: Console) -> bool:
    """Run each spec's set-up, then start it, adding it to running; False on a failed set-up."""
    for spec in specs:
        for command in spec.setup:
            code = run_to_completion(spec.name, command, spec.env, console)
            if code != 0:
                console.note(f"{spec.name} set-up failed with code {code}: {' '.join(command)}")
                return False
        child = spawn(spec.name, spec.command, spec.env, console)
        running.append(child)
        console.note(f"{spec.name} started pid={child.process.pid}")
    return True


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (OSError, ValueError):
        return False


def ready_banner() -> list[str]:
    site = f"http://127.0.0.1:{BACKEND_PORT}"
    var_dir = Path(os.environ.get("VAR_DIR") or REPO_DIR / "var")
    return [
        f"ready: open {site}/ (voters, trustees) or {site}/admin/ (officials)",
        f"  demo log-ins: {var_dir / 'demo-credentials.txt'}",
        f"  metrics: {site}/metrics and each validator's /metrics (from this machine)",
        "  stop: Ctrl-C",
    ]


def announce_when_ready(
    specs: Sequence[ProcessSpec], console: Console, stopped: threading.Event
) -> None:
    """Print the banner once every process with a health URL answers it; say so if that has
    not happened within READY_TIMEOUT_SECONDS."""
    waiting = [spec.health_url for spec in specs if spec.health_url]
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while waiting and not stopped.is_set():
        waiting = [url for url in waiting if not answers(url)]
        if waiting and time.monotonic() > deadline:
            console.note(f"not ready after {READY_TIMEOUT_SECONDS:.0f}s: {', '.join(waiting)}")
            return
        if waiting:
            stopped.wait(READY_POLL_SECONDS)
    if not stopped.is_set():
        for text in ready_banner():
            console.note(text)


def watch(running: Sequence[Child], console: Console) -> None:
    """Report each process that exits, once, and leave it dead; return when none is left."""
    alive = list(running)
    while alive:
        time.sleep(POLL_SECONDS)
        for child in [c for c in alive if c.process.poll() is not None]:
            alive.remove(child)
            code = child.process.returncode
            console.note(f"{child.name} exited with code {code}; the others keep running")
    console.note("every process has exited")


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def supervise(
    specs: Sequence[ProcessSpec], out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Start specs, relay their output to out, and stop them all on SIGINT/SIGTERM."""
    busy = first_busy_port(specs)
    if busy is not None:
        err.write(f"error: port {busy} is already in use\n")
        return 1
    console = Console(out, [spec.name for spec in specs])
    running: list[Child] = []
    previous = {signum: signal.signal(signum, raise_stop) for signum in STOP_SIGNALS}
    stopped = threading.Event()
    try:
        if start_all(specs, running, console):
            announcer = threading.Thread(
                target=announce_when_ready, args=(specs, console, stopped), daemon=True
            )
            announcer.start()
            watch(running, console)
        return 1
    except StopRequested as stop:
        console.note(f"{stop} received: stopping {len(running)} processes")
        return 0
    finally:
        stopped.set()
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        stop_all(running, console)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main() -> int:
    genesis_file = network_dir() / "genesis.json"
    if not ensure_genesis(genesis_file, Console(sys.stdout, ["genesis"])):
        return 1
    return supervise(dev_processes(read_network(genesis_file)))


if __name__ == "__main__":
    sys.exit(main())
