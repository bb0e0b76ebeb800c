"""Where a node keeps its data: its own database, whichever server it is given."""

from __future__ import annotations

import pytest

from validators.node.settings import VAR_DIR, node_database


@pytest.fixture(autouse=True)
def no_database_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NODE_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)


def test_without_urls_each_node_has_its_own_sqlite_file() -> None:
    config = node_database("validator-2")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(VAR_DIR / "validators" / "validator-2.sqlite3")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["OPTIONS"]["timeout"] == 30


def test_a_shared_server_gets_one_database_per_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://evoting:pw@db.internal:5432/evoting")
    config = node_database("validator-2")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["USER"], config["NAME"]) == (
        "db.internal",
        "evoting",
        "evoting_validator_2",
    )


def test_node_database_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://evoting@db.internal/evoting")
    monkeypatch.setenv("NODE_DATABASE_URL", "postgres://node@other.internal/exactly_this")
    config = node_database("validator-2")
    assert (config["HOST"], config["NAME"]) == ("other.internal", "exactly_this")
