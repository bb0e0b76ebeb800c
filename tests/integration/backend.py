"""The backend (web + Celery worker with beat) as real processes beside a validator cluster."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from evcrypto import ElectionKey, ElectionParameters
from tests.integration.cluster import (
    BIN,
    REPO,
    Cluster,
    free_port,
    gunicorn,
    kill_group,
    on_postgres_server,
    postgres_url,
    wait_until,
)
from trustee.together import run_together

STAFF_EMAIL = "official@example.org"
STAFF_PASSWORD = "official-password-1"
TRUSTEES = ["trustee1@example.org", "trustee2@example.org", "trustee3@example.org"]
TRUSTEE_PASSWORD = "trustee-password-1"
PASSPHRASE = "the trustee's own passphrase"

# Fast loops for tests: delivery and receipts twice a second, health every second (the
# schedule keeps its default; tests/integration/test_schedule.py runs it every second).
FAST_INTERVALS = {
    "DELIVERY_INTERVAL_SECONDS": "0.5",
    "RECEIPT_INTERVAL_SECONDS": "0.5",
    "HEALTH_INTERVAL_SECONDS": "1",
    "REPLAY_INTERVAL_SECONDS": "1",
    "CHAIN_CONNECT_TIMEOUT_SECONDS": "0.5",
    "HEALTH_TIMEOUT_SECONDS": "1",
}


@dataclass
class Backend:
    cluster: Cluster
    root: Path
    port: int = 0
    web: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    database: str = field(default="")
    # Tests run fast loops; a benchmark passes the defaults `make run` uses ({}).
    intervals: dict[str, str] = field(default_factory=lambda: dict(FAST_INTERVALS))
    # Tests hash passwords fast (tests/integration/settings.py); a benchmark runs production's.
    settings_module: str = "tests.integration.settings"
    web_workers: int = 1
    web_threads: int = 8

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("NODE_ID", "NODE_DATABASE_URL")}
        env.update(self.intervals)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": self.settings_module,
                "VAR_DIR": str(self.root),
                "NETWORK_DIR": str(self.cluster.network_dir),
                "PYTHONUNBUFFERED": "1",
                "DJANGO_SUPERUSER_EMAIL": STAFF_EMAIL,
                "DJANGO_SUPERUSER_PASSWORD": STAFF_PASSWORD,
                "TEST_CACHE_KEY_PREFIX": self.cluster.run_id,
            }
        )
        if os.environ.get("DATABASE_URL"):
            self.database = f"evt_{self.cluster.run_id}_backend"
            env["DATABASE_URL"] = postgres_url(self.database)
        if os.environ.get("REDIS_URL"):
            env["CELERY_BROKER_URL"] = os.environ["REDIS_URL"]
        return env

    def start(self) -> Backend:
        self.root.mkdir(parents=True, exist_ok=True)
        env = self.env()
        if self.database:
            self._create_database()
        for command in (["migrate", "--noinput", "-v0"], ["createsuperuser", "--noinput"]):
            subprocess.run(
                [str(BIN / "python"), "manage.py", *command],
                cwd=REPO,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        self.port = free_port()
        self.web = self.cluster.spawn(
            "backend",
            gunicorn(
                "evoting.wsgi:application",
                self.port,
                threads=self.web_threads,
                timeout=60,
                workers=self.web_workers,
            ),
            env,
        )
        self.start_worker()
        wait_until(lambda: requests.get(self.url + "/health", timeout=2).ok, 30, "the backend web")
        return self

    def start_worker(self) -> None:
        self.worker = self.cluster.spawn(
            "backend-worker",
            [
                str(BIN / "celery"),
                "-A",
                "evoting",
                "worker",
                "-B",
                "--pool",
                "threads",
                "--concurrency",
                "4",
                "-n",
                "backend@%h",
                "--loglevel",
                "INFO",
                "-s",
                str(self.root / "beat-schedule"),
            ],
            self.env(),
        )

    def _create_database(self) -> None:
        on_postgres_server(
            f'DROP DATABASE IF EXISTS "{self.database}"', f'CREATE DATABASE "{self.database}"'
        )

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process is not None:
                kill_group(process)
        if self.database:
            on_postgres_server(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ the API

    def login(self, email: str, password: str) -> ApiSession:
        response = requests.post(
            self.url + "/api/auth/login", json={"email": email, "password": password}, timeout=10
        )
        assert response.status_code == 200, response.text
        return ApiSession(self.url, response.json()["access_token"])

    def staff(self) -> ApiSession:
        return self.login(STAFF_EMAIL, STAFF_PASSWORD)

    # ------------------------------------------------------------------ trustees

    def shell(self, script: str, stdin: str = "") -> None:
        """Run Python in the backend's Django (`manage.py shell -c`), on its database."""
        subprocess.run(
            [str(BIN / "python"), "manage.py", "shell", "-c", script],
            cwd=REPO,
            env=self.env(),
            check=True,
            input=stdin.encode(),
            stdout=subprocess.DEVNULL,
        )

    def set_passwords(self, accounts: list[tuple[str, str]]) -> None:
        """Give these accounts passwords, as their voters would through their invitation."""
        script = (
            "import json, sys\n"
            "from apps.accounts.models import User\n"
            "for email, password in json.load(sys.stdin):\n"
            "    user = User.objects.get(email=email)\n"
            "    user.set_password(password)\n"
            "    user.save()\n"
        )
        self.shell(script, json.dumps(accounts))

    def create_trustee_accounts(self) -> None:
        """Accounts for the trustees, with passwords (as they would set them after being
        named, through the password reset)."""
        script = (
            "from apps.accounts.models import User\n"
            f"for email in {TRUSTEES!r}:\n"
            f"    User.objects.create_user(email, {TRUSTEE_PASSWORD!r})\n"
        )
        self.shell(script)

    def trustee_command(
        self, command: str, election_id: int, index: int, folder: Path, *extra: str
    ) -> subprocess.Popen[str]:
        """`python -m trustee <command>` as trustee `index`, with its own secret file."""
        return trustee_process(self.url, command, election_id, index, folder, *extra)

    def run_ceremony(self, election_id: int, folder: Path, indices: list[int]) -> list[str]:
        """The trustees' ceremony, all at once, the keys fingerprint compared in between."""
        return run_together(
            lambda i, extra: self.trustee_command("ceremony", election_id, i, folder, *extra),
            indices,
        )

    def run_trustees(
        self, command: str, election_id: int, folder: Path, indices: list[int], *extra: str
    ) -> list[str]:
        """The trustees' commands at once, as on their own machines; each one's output.
        AssertionError if one fails."""
        running = [self.trustee_command(command, election_id, i, folder, *extra) for i in indices]
        outputs = []
        for index, process in zip(indices, running, strict=True):
            output, _ = process.communicate(timeout=180)
            assert process.returncode == 0, f"trustee {index}: {output}"
            outputs.append(output)
        return outputs


def trustee_process(
    server: str, command: str, election_id: int, index: int, folder: Path, *extra: str
) -> subprocess.Popen[str]:
    """`python -m trustee <command>` against `server` as trustee `index` (TRUSTEES), with its
    own secret file in `folder`, as on that trustee's machine; output piped, and no terminal
    input (the flags answer every question)."""
    env = {**os.environ, "EVOTING_PASSWORD": TRUSTEE_PASSWORD, "TRUSTEE_PASSPHRASE": PASSPHRASE}
    env.pop("EVOTING_TOKEN", None)
    return subprocess.Popen(
        [
            *(str(BIN / "python"), "-m", "trustee", command, "--server", server),
            *("--election", str(election_id), "--email", TRUSTEES[index - 1]),
            *("--secret-file", str(folder / f"trustee-{index}.secret"), *extra),
        ],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@dataclass
class ApiSession:
    base: str
    token: str
    session: requests.Session = field(default_factory=requests.Session)

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return self.session.request(method, self.base + path, headers=headers, timeout=30, **kwargs)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.call("GET", path, params=params)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.call("POST", path, json=body)

    def run_job(self, path: str, timeout: float = 120.0) -> dict[str, Any]:
        """POST a verb that answers 202 (close, tally), then poll its status URL until the
        worker has finished the job; the job's last document, with every step seen."""
        response = self.post(path, {})
        assert response.status_code == 202, response.text
        status_url = response.json()["status_url"]
        assert response.headers["Location"] == status_url
        steps: list[str] = []

        def finished() -> dict[str, Any] | None:
            job = dict(self.session.get(status_url, headers=self._auth(), timeout=30).json())
            if job["step"] and job["step"] not in steps:
                steps.append(job["step"])
            return job if job["state"] in ("done", "failed") else None

        job = wait_until(finished, timeout, f"the job of {path}", every=0.2)
        return {**job, "steps_seen": steps}

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def encrypted_vote(voter: ApiSession, election: dict[str, Any], choice: int) -> dict[str, Any]:
    """The body of POST /api/votes/submit for a ballot encrypted on the voter's side, with
    the key and pseudonym the API publishes: candidate `choice` (by position) chosen."""
    from evcrypto import ballot_to_json, encrypt_ballot

    keys = voter.get("/api/votes/public-keys", election_id=election["id"]).json()
    public_key = ElectionKey.from_dict(keys["election_key"]).public_key
    choices = [1 if i == choice else 0 for i in range(len(election["candidates"]))]
    ballot = encrypt_ballot(
        election_parameters(election), public_key, keys["voter_pseudonym"], choices
    )
    encoded = base64.b64encode(ballot_to_json(ballot)).decode()
    return {"election_id": election["id"], "encrypted_vote": encoded}


def election_parameters(election: dict[str, Any]) -> ElectionParameters:
    """The parameters a voter's client rebuilds from an election as the API shows it (its key
    says threshold, trustee count and group); they must hash to the published election hash."""
    key = ElectionKey.from_dict(election["public_key"])
    parameters = ElectionParameters(
        election["chain_election_id"],
        election["title"],
        tuple(candidate["name"] for candidate in election["candidates"]),
        election["min_selections"],
        election["max_selections"],
        threshold=key.threshold,
        trustee_count=key.trustee_count,
        group=key.group,
    )
    assert parameters.election_hash == election["election_hash"]
    return parameters


# ------------------------------------------------------------------ what tests check


def status_of(staff: ApiSession, election_id: int, transaction_id: str) -> dict[str, Any]:
    response = staff.get(
        "/api/votes/transaction-status", election_id=election_id, transaction_id=transaction_id
    )
    return response.json()


def all_confirmed(staff: ApiSession, election_id: int, transaction_ids: list[str]) -> bool:
    return all(status_of(staff, election_id, t)["status"] == "confirmed" for t in transaction_ids)


def election_record(backend: Backend, email: str, password: str, election_id: int) -> bytes:
    """The record as a voter downloads it from the results page (log-in form, then GET)."""
    session = requests.Session()
    session.get(backend.url + "/login/", timeout=10)
    logged_in = session.post(
        backend.url + "/login/",
        data={
            "username": email,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": backend.url + "/login/"},
        timeout=10,
    )
    assert logged_in.ok, logged_in.text[:300]
    response = session.get(f"{backend.url}/elections/{election_id}/record.json", timeout=30)
    assert response.status_code == 200, response.text[:300]
    return response.content


def run_tool(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
