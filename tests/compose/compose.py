"""docker-compose.yml under a project name of its own, driven from the host: up, the state of
every service, log tails, `manage.py` in the backend's container, and down.

Every failure names the services at fault with the tail of their logs; the whole logs go to
test-artifacts/compose/ when a test failed."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "compose"
PROJECT = os.environ.get("COMPOSE_SMOKE_PROJECT", "evoting-smoke")
# Host ports away from `make run`'s, so that both can run on one machine.
PORTS = {
    "BACKEND_PORT": 18000,
    "VALIDATOR_1_PORT": 18001,
    "VALIDATOR_2_PORT": 18002,
    "VALIDATOR_3_PORT": 18003,
    "BOOTNODE_PORT": 18546,
}
ONE_SHOT = {"genesis"}  # services that run to completion
LOG_TAIL = 40
# Services without a health check count as up once they have run this long without a restart.
SETTLE_SECONDS = 10.0


class ComposeError(AssertionError):
    """A service did not come up, or a compose command failed; the message has the log
    tails of the services at fault."""


@dataclass(frozen=True)
class ServiceState:
    service: str
    status: str  # running, exited, restarting, created, ...
    health: str  # healthy, starting, unhealthy, or "" without a health check
    exit_code: int
    restarts: int

    @property
    def up(self) -> bool:
        if self.service in ONE_SHOT:
            return self.status == "exited" and self.exit_code == 0
        return self.status == "running" and self.health in ("", "healthy")

    @property
    def failed(self) -> bool:
        """Beyond waiting for: exited with an error, unhealthy, or restarted by docker."""
        if self.service in ONE_SHOT:
            return self.status == "exited" and self.exit_code != 0
        return (
            self.status in ("exited", "dead", "restarting")
            or self.health == "unhealthy"
            or self.restarts > 0
        )

    def describe(self) -> str:
        health = f", {self.health}" if self.health else ""
        code = f", exit code {self.exit_code}" if self.status == "exited" else ""
        restarts = f", restarted {self.restarts} times" if self.restarts else ""
        return f"{self.service}: {self.status}{health}{code}{restarts}"


@dataclass
class Compose:
    env_file: Path
    compose_file: Path = REPO / "docker-compose.yml"
    project: str = PROJECT

    def command(self, *args: str) -> list[str]:
        return [
            *("docker-compose", "--project-name", self.project),
            *("--env-file", str(self.env_file), "--file", str(self.compose_file), *args),
        ]

    def run(
        self, *args: str, check: bool = True, timeout: float = 300, stdin: str = ""
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            self.command(*args),
            cwd=REPO,
            # The ports the tests use, whatever the caller's environment says (it would
            # override the env file).
            env={**os.environ, **{name: str(port) for name, port in PORTS.items()}},
            capture_output=True,
            text=True,
            input=stdin,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            raise ComposeError(
                f"docker-compose {' '.join(args)} failed ({done.returncode}): "
                f"{(done.stdout + done.stderr).strip()[-2000:]}\n{self.report()}"
            )
        return done

    # ------------------------------------------------------------------ state

    def states(self) -> dict[str, ServiceState]:
        ids = self.run("ps", "--all", "-q", check=False).stdout.split()
        if not ids:
            return {}
        inspected = subprocess.run(
            ["docker", "inspect", *ids], capture_output=True, text=True, check=False, timeout=60
        )
        states = {}
        for container in json.loads(inspected.stdout or "[]"):
            service = container["Config"]["Labels"].get("com.docker.compose.service", "?")
            state = container["State"]
            states[service] = ServiceState(
                service,
                state["Status"],
                (state.get("Health") or {}).get("Status", ""),
                int(state.get("ExitCode", 0)),
                int(container.get("RestartCount", 0)),
            )
        return states

    def services(self) -> list[str]:
        """The services `up` starts: those of no profile (monitoring's are left out)."""
        config = yaml.safe_load(self.run("config").stdout)
        return sorted(n for n, s in config["services"].items() if not s.get("profiles"))

    def log_tail(self, service: str, lines: int = LOG_TAIL) -> str:
        done = self.run("logs", "--no-color", "--tail", str(lines), service, check=False)
        return (done.stdout + done.stderr).rstrip()

    def report(self, services: list[str] | None = None) -> str:
        """Each service's state; the log tail of those that failed (of `services` if given,
        else of every service not up)."""
        states = self.states()
        lines = [s.describe() for s in states.values()]
        at_fault = (
            services
            or [n for n, s in states.items() if s.failed]
            or [n for n, s in states.items() if not s.up]
        )
        for service in at_fault:
            lines.append(f"--- last {LOG_TAIL} lines of {service}'s log:")
            lines.append(self.log_tail(service) or "(nothing logged)")
        return "\n".join(lines)

    def wait_until_up(self, timeout: float) -> dict[str, ServiceState]:
        """Every service up (its health check passing, the one-shots finished well) and
        still up SETTLE_SECONDS later, so that a service without a health check that exits
        soon after starting is caught; ComposeError at once when one fails, or at the
        deadline, with the log tails."""
        expected = set(self.services())
        deadline = time.monotonic() + timeout
        up_since: float | None = None
        while True:
            states = self.states()
            failed = [s for s in states.values() if s.failed]
            if failed:
                names = [s.service for s in failed]
                raise ComposeError(f"{', '.join(names)} failed:\n{self.report(names)}")
            if expected <= set(states) and all(states[n].up for n in expected):
                up_since = up_since or time.monotonic()
                if time.monotonic() - up_since >= SETTLE_SECONDS:
                    return states
            else:
                up_since = None
            if time.monotonic() > deadline:
                missing = sorted(expected - set(states))
                raise ComposeError(
                    f"not every service up within {timeout:.0f} s"
                    + (f" (never created: {', '.join(missing)})" if missing else "")
                    + f":\n{self.report()}"
                )
            time.sleep(1)

    # ------------------------------------------------------------------ actions

    def up(self, timeout: float) -> dict[str, ServiceState]:
        self.run("up", "-d", "--no-build", timeout=timeout)
        return self.wait_until_up(timeout)

    def manage(self, *args: str, stdin: str = "") -> str:
        """`python manage.py ...` in the backend's container; its output."""
        done = self.run("exec", "-T", "backend", "python", "manage.py", *args, stdin=stdin)
        return done.stdout

    def save_logs(self) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for service in self.services():
            text = self.run("logs", "--no-color", "--timestamps", service, check=False).stdout
            (ARTIFACTS / f"{service}.log").write_text(text)
        (ARTIFACTS / "states.txt").write_text(
            "\n".join(s.describe() for s in self.states().values()) + "\n"
        )
        return ARTIFACTS

    def down(self) -> None:
        self.run("down", "--volumes", "--remove-orphans", "--timeout", "10", timeout=180)

    def leftovers(self) -> list[str]:
        """Containers, volumes and networks still labelled with the project's name."""
        label = f"label=com.docker.compose.project={self.project}"
        found = []
        for kind, listing in (
            ("container", ["docker", "ps", "--all", "-q", "--filter", label]),
            ("volume", ["docker", "volume", "ls", "-q", "--filter", label]),
            ("network", ["docker", "network", "ls", "-q", "--filter", label]),
        ):
            out = subprocess.run(listing, capture_output=True, text=True, check=True).stdout
            found += [f"{kind} {name}" for name in out.split()]
        return found
