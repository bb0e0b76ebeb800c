"""The API keeps its published contract: schemathesis, with every check, against the backend
running for real (gunicorn, its worker, three validators), seeded with the demo (an open
election, its voters and trustees), once with an official's token and once with a voter's.

Every operation is fuzzed from the OpenAPI schema (log-out aside: it would end the token under
test). A check fails when an answer's status is not declared, a body does not match its
schema, a request the schema allows is refused where it should not be (see schemathesis.toml
for what no schema can express), a request it forbids is accepted, or anything is a 5xx.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests

from tests.integration.backend import Backend
from tests.integration.cluster import BIN, REPO

pytestmark = pytest.mark.integration

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES_PER_OPERATION = 40


def seeded_tokens(backend: Backend) -> dict[str, str]:
    """The demo seeded into the running backend; a bearer token for its admin and a voter."""
    subprocess.run(
        [str(BIN / "python"), "manage.py", "seed_demo"],
        cwd=REPO,
        env=backend.env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    rows = {
        line.split()[0]: line.split()
        for line in (backend.root / "demo-credentials.txt").read_text().splitlines()
        if not line.startswith("#")
    }
    tokens = {}
    for role in ("admin", "voter"):
        _, email, password, *_ = rows[role]
        answer = requests.post(
            backend.url + "/api/auth/login", json={"email": email, "password": password}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        tokens[role] = answer.json()["access_token"]
    return tokens


def test_every_operation_keeps_the_published_contract(backend: Backend) -> None:
    tokens = seeded_tokens(backend)  # both before any fuzzed log-in counts against the address
    for role, token in tokens.items():
        result = subprocess.run(
            [
                *(str(BIN / "schemathesis"), "--config-file", str(CONFIG), "run"),
                f"{backend.url}/api/schema/",
                *("--checks", "all", "--max-examples", str(EXAMPLES_PER_OPERATION)),
                *("--header", f"Authorization: Bearer {token}"),
                *("--exclude-path-regex", "logout", "--generation-database", "none"),
            ],
            cwd=backend.root,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, f"as {role}:\n{result.stdout[-6000:]}{result.stderr[-2000:]}"
