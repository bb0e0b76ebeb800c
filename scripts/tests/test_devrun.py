"""devrun, the `make run` supervisor, driven with small fake processes instead of the real ones."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

SCRIPTS_DIR = Path(__file__).resolve().parents[1]


def load_devrun() -> ModuleType:
    spec = importlib.util.spec_from_file_location("devrun", SCRIPTS_DIR / "devrun.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["devrun"] = module
    spec.loader.exec_module(module)
    return module


devrun = load_devrun()

# A stand-in for a server: says it is ready, with its pid, then waits to be stopped.
SLEEPER = "import os, time; print(f'ready pid={os.getpid()}', flush=True); time.sleep(600)"

DRIVER = """
import sys
sys.path.insert(0, {scripts!r})
import devrun
python = sys.executable
specs = [
    devrun.ProcessSpec("alpha", [python, "-c", {sleeper!r}], setup=[[python, "-c", "print('set up')"]]),
    devrun.ProcessSpec("beta-long-name", [python, "-c", {sleeper!r}]),
]
sys.exit(devrun.supervise(specs))
"""


class Output:
    """The lines a running supervisor prints, read as they come."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, fragment: str, timeout: float = 15.0) -> str:
        """The first line, seen before or arriving within timeout, that holds fragment."""
        for line in self.seen:
            if fragment in line:
                return line
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if fragment in line:
                return line
        raise AssertionError(f"no line with {fragment!r} in {timeout}s; saw {self.seen}")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def pid_in(line: str) -> int:
    return int(line.rsplit("pid=", 1)[1])


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Output]]:
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.format(scripts=str(SCRIPTS_DIR), sleeper=SLEEPER))
    process = subprocess.Popen(
        [sys.executable, str(driver)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        yield process, Output(process)
    finally:
        stop_supervisor(process)


def stop_supervisor(process: subprocess.Popen[str]) -> None:
    """SIGTERM, so the supervisor stops its children; SIGKILL would leave them behind."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_every_line_carries_its_process_name_padded(supervisor) -> None:
    _, output = supervisor
    assert output.wait_for("set up") == "alpha          | set up"
    assert output.wait_for("alpha          | ready pid=")
    assert output.wait_for("beta-long-name | ready pid=")
    assert output.wait_for("devrun         | beta-long-name started pid=")


def test_a_dead_child_is_reported_and_the_others_keep_running(supervisor) -> None:
    process, output = supervisor
    alpha = pid_in(output.wait_for("alpha          | ready pid="))
    beta = pid_in(output.wait_for("beta-long-name | ready pid="))
    os.kill(alpha, signal.SIGKILL)
    line = output.wait_for("alpha exited")
    assert line == "devrun         | alpha exited with code -9; the others keep running"
    time.sleep(0.5)
    assert pid_alive(beta)
    assert process.poll() is None


def test_sigterm_stops_every_child_and_exits(supervisor) -> None:
    process, output = supervisor
    alpha = pid_in(output.wait_for("alpha          | ready pid="))
    beta = pid_in(output.wait_for("beta-long-name | ready pid="))
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert not pid_alive(alpha)
    assert not pid_alive(beta)


def test_a_failed_set_up_stops_everything_with_an_error(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    specs = [
        devrun.ProcessSpec("first", [sys.executable, "-c", SLEEPER]),
        devrun.ProcessSpec(
            "second", ["true"], setup=[[sys.executable, "-c", "raise SystemExit(3)"]]
        ),
    ]
    assert devrun.supervise(specs, out, err) == 1
    assert "devrun | second set-up failed with code 3" in out.getvalue()
    first_pid = pid_in(
        next(line for line in out.getvalue().splitlines() if "first started" in line)
    )
    assert not pid_alive(first_pid)


def test_a_busy_port_is_one_line_and_nothing_starts() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        out, err = io.StringIO(), io.StringIO()
        specs = [devrun.ProcessSpec("web", [sys.executable, "-c", SLEEPER], port=port)]
        assert devrun.supervise(specs, out, err) == 1
    assert err.getvalue() == f"error: port {port} is already in use\n"
    assert out.getvalue() == ""


def write_genesis(network_dir: Path, ports: list[int], bootnode_port: int) -> None:
    network_dir.mkdir(parents=True, exist_ok=True)
    validators = [
        {"id": f"validator-{n}", "url": f"http://127.0.0.1:{port}", "public_key": "00"}
        for n, port in enumerate(ports, start=1)
    ]
    document = {"bootnode_url": f"http://127.0.0.1:{bootnode_port}", "validators": validators}
    (network_dir / "genesis.json").write_text(json.dumps(document))


def test_make_run_refuses_a_busy_validator_port(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        write_genesis(tmp_path / "network", [port], bootnode_port=port)
        env = {**os.environ, "VAR_DIR": str(tmp_path), "NETWORK_DIR": str(tmp_path / "network")}
        result = subprocess.run(
            [sys.executable, str(SCRIPTS_DIR / "devrun.py")],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"error: port {port} is already in use\n"


def test_the_process_list_has_a_bootnode_a_web_and_worker_per_validator_then_the_backend(
    tmp_path: Path,
) -> None:
    write_genesis(tmp_path, [8001, 8002], bootnode_port=8546)
    specs = devrun.dev_processes(devrun.read_network(tmp_path / "genesis.json"))
    assert [(s.name, s.port) for s in specs] == [
        ("bootnode", 8546),
        ("validator-1", 8001),
        ("validator-1-wkr", None),
        ("validator-2", 8002),
        ("validator-2-wkr", None),
        ("backend", 8000),
        ("backend-wkr", None),
    ]
    web, worker = specs[3], specs[4]
    assert web.env["NODE_ID"] == worker.env["NODE_ID"] == "validator-2"
    assert "127.0.0.1:8002" in web.command
    assert [command[1:] for command in web.setup] == [
        ["validators/manage.py", "ensure_database"],
        ["validators/manage.py", "migrate", "--noinput", "--verbosity", "0"],
    ]
    # --quiet: no Celery banner in the start-up output
    assert ["celery", "--quiet", "-A", "validators.node", "worker", "-B"] == list(
        worker.command[2:8]
    )


def test_the_backend_migrates_collects_static_files_and_seeds_the_demo_before_it_serves(
    tmp_path: Path,
) -> None:
    write_genesis(tmp_path, [8001], bootnode_port=8546)
    specs = devrun.dev_processes(devrun.read_network(tmp_path / "genesis.json"))
    web, worker = specs[-2], specs[-1]
    assert web.env["DJANGO_SETTINGS_MODULE"] == worker.env["DJANGO_SETTINGS_MODULE"]
    assert web.env["DJANGO_SETTINGS_MODULE"] == "evoting.settings"
    assert [command[1:] for command in web.setup] == [
        ["manage.py", "migrate", "--noinput", "--verbosity", "0"],
        ["manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        ["manage.py", "seed_demo"],
    ]
    assert ["-m", "gunicorn", "evoting.wsgi:application", "--bind", "127.0.0.1:8000"] == list(
        web.command[1:6]
    )
    assert list(worker.command[2:8]) == ["celery", "--quiet", "-A", "evoting", "worker", "-B"]
    assert worker.command[-2:] == ["--hostname", "backend@%h"]


# A stand-in for a web process: /health answers 503 for `delay` seconds, then 200, and says so.
HEALTH_SERVER = """
import http.server, sys, time
port, delay = int(sys.argv[1]), float(sys.argv[2])
start = time.monotonic()
announced = False
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global announced
        up = time.monotonic() - start >= delay
        if up and not announced:
            print("healthy now", flush=True)
            announced = True
        self.send_response(200 if up else 503)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Health).serve_forever()
"""

READY_DRIVER = """
import sys
sys.path.insert(0, {scripts!r})
import devrun
devrun.READY_POLL_SECONDS = 0.1
python = sys.executable
server = {server!r}
specs = [
    devrun.ProcessSpec("slow", [python, "-c", server, "{slow_port}", "2.5"],
                       health_url="http://127.0.0.1:{slow_port}/health"),
    devrun.ProcessSpec("quick", [python, "-c", server, "{quick_port}", "0"],
                       health_url="http://127.0.0.1:{quick_port}/health"),
    devrun.ProcessSpec("worker", [python, "-c", {sleeper!r}]),
]
sys.exit(devrun.supervise(specs))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_ready_banner_comes_only_after_every_web_process_answers(tmp_path: Path) -> None:
    driver = tmp_path / "driver.py"
    driver.write_text(
        READY_DRIVER.format(
            scripts=str(SCRIPTS_DIR),
            server=HEALTH_SERVER,
            sleeper=SLEEPER,
            slow_port=free_port(),
            quick_port=free_port(),
        )
    )
    process = subprocess.Popen(
        [sys.executable, str(driver)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        output = Output(process)
        banner = output.wait_for("ready: open http://127.0.0.1:8000/", timeout=120)
        order = output.seen
        slow_healthy = next(
            i for i, line in enumerate(order) if line.startswith("slow") and "healthy now" in line
        )
        assert order.index(banner) > slow_healthy
        assert sum("ready: open" in line for line in order) == 1
        output.wait_for("stop: Ctrl-C")
    finally:
        stop_supervisor(process)


def test_the_real_process_list_waits_for_the_backend_and_every_validator(tmp_path: Path) -> None:
    network_dir = tmp_path / "network"
    write_genesis(network_dir, [8101, 8102, 8103], 8546)
    specs = devrun.dev_processes(devrun.read_network(network_dir / "genesis.json"))
    assert [spec.health_url for spec in specs if spec.health_url] == [
        "http://127.0.0.1:8101/health",
        "http://127.0.0.1:8102/health",
        "http://127.0.0.1:8103/health",
        "http://127.0.0.1:8000/health",
    ]
