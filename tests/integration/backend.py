"""The backend (web + Celery worker with beat) as real processes beside a validator cluster."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

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

STAFF_EMAIL = "official@example.org"
STAFF_PASSWORD = "official-password-1"

# Fast loops for tests: delivery and receipts twice a second, health every second.
FAST_INTERVALS = {
    "DELIVERY_INTERVAL_SECONDS": "0.5",
    "RECEIPT_INTERVAL_SECONDS": "0.5",
    "HEALTH_INTERVAL_SECONDS": "1",
    "REPLAY_INTERVAL_SECONDS": "1",
    "CHAIN_CONNECT_TIMEOUT_SECONDS": "0.5",
    "HEALTH_TIMEOUT_SECONDS": "1",
    "INSECURE_FAST_PASSWORD_HASHING_FOR_TESTS": "1",
}


@dataclass
class Backend:
    cluster: Cluster
    root: Path
    port: int = 0
    web: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    database: str = field(default="")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("NODE_ID", "NODE_DATABASE_URL")}
        env.update(FAST_INTERVALS)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "evoting.settings",
                "VAR_DIR": str(self.root),
                "NETWORK_DIR": str(self.cluster.network_dir),
                "PYTHONUNBUFFERED": "1",
                "DJANGO_SUPERUSER_EMAIL": STAFF_EMAIL,
                "DJANGO_SUPERUSER_PASSWORD": STAFF_PASSWORD,
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
            "backend", gunicorn("evoting.wsgi:application", self.port, timeout=60), env
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
