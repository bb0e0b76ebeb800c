"""The bootnode's settings read typed values from the environment and refuse bad ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from validators.bootnode import settings as bootnode_settings
from validators.env import EnvError

REPO_DIR = Path(bootnode_settings.__file__).resolve().parents[2]


@pytest.mark.parametrize("value", ["0", "-5", "thirty"])
def test_a_peer_ttl_that_is_not_a_positive_integer_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("BOOTNODE_PEER_TTL_SECONDS", value)

    with pytest.raises(EnvError, match="BOOTNODE_PEER_TTL_SECONDS"):
        bootnode_settings.env_positive_int("BOOTNODE_PEER_TTL_SECONDS", 30)


def test_an_unset_peer_ttl_defaults_to_thirty_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOOTNODE_PEER_TTL_SECONDS", raising=False)

    assert bootnode_settings.env_positive_int("BOOTNODE_PEER_TTL_SECONDS", 30) == 30


def test_a_database_url_with_an_unknown_scheme_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOOTNODE_DATABASE_URL", "nosuchdb://localhost/bootnode")

    with pytest.raises(EnvError, match="BOOTNODE_DATABASE_URL"):
        bootnode_settings.env_database("BOOTNODE_DATABASE_URL", "sqlite:///unused.sqlite3")


def test_the_default_database_is_sqlite_under_var() -> None:
    config = bootnode_settings.env_database(
        "BOOTNODE_TEST_UNSET_URL", f"sqlite:///{REPO_DIR / 'var' / 'bootnode.sqlite3'}"
    )

    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(REPO_DIR / "var" / "bootnode.sqlite3")


def test_a_bad_value_stops_the_bootnode_at_start_up() -> None:
    env = os.environ | {"DEBUG": "maybe", "DJANGO_SECRET_KEY": "test", "PYTHONPATH": str(REPO_DIR)}

    result = subprocess.run(
        [sys.executable, "-c", "import validators.bootnode.settings"],
        env=env,
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr
