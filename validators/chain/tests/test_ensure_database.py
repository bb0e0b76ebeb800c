"""ensure_database: one PostgreSQL database per node on a shared server; nothing on SQLite."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from validators.node.database import ensure_postgres_database

REPO_DIR = Path(__file__).resolve().parents[3]
# The local server of a development machine or CI; the tests skip when it is not there.
SERVER = {"HOST": "127.0.0.1", "PORT": 5432, "USER": "postgres", "PASSWORD": ""}


def database_exists(name: str) -> bool:
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres") as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


@pytest.fixture
def fresh_database_name() -> Iterator[str]:
    try:
        psycopg.connect(
            host="127.0.0.1", user="postgres", dbname="postgres", connect_timeout=2
        ).close()
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    name = f"evoting_test_node_{secrets.token_hex(4)}"
    yield name
    with psycopg.connect(
        host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True
    ) as c:
        c.execute(
            psycopg.sql.SQL("DROP DATABASE IF EXISTS {}").format(psycopg.sql.Identifier(name))
        )


def test_it_creates_a_missing_database_once(fresh_database_name: str) -> None:
    config = {**SERVER, "NAME": fresh_database_name}
    assert ensure_postgres_database(config) is True
    assert database_exists(fresh_database_name)
    assert ensure_postgres_database(config) is False


def test_it_does_nothing_on_sqlite() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    env |= {"NODE_ID": "validator-1", "DJANGO_SETTINGS_MODULE": "validators.node.settings"}
    command = [sys.executable, str(REPO_DIR / "validators" / "manage.py"), "ensure_database"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
