"""Typed readers for environment variables, shared by every settings module.

Each reader treats an unset or empty variable as "use the default" and raises EnvError on a
value it cannot parse, so a typo in a deployment fails at start-up instead of running with a
silently wrong value. This module imports nothing from Django or from any project package, so
the backend, the validator node and the bootnode can all import it without side effects.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class EnvError(ValueError):
    """An environment variable holding a value of the wrong kind."""


def _raw(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def envstr(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def envbool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise EnvError(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def envint(name: str, default: int) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise EnvError(f"{name}={value!r} is not an integer") from None


def envfloat(name: str, default: float) -> float:
    value = _raw(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise EnvError(f"{name}={value!r} is not a number") from None


def envlist(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def dev_secret_key(path: Path) -> str:
    """The development secret key at path, created (mode 0600) on first use."""
    return _generated_once(path, lambda: secrets.token_urlsafe(50))


def _generated_once(path: Path, make: Callable[[], str]) -> str:
    """Read the secret at path, creating it with `make` on first use.

    Several processes may start at once, so the secret is written to a private temporary file
    and hard-linked into place: exactly one writer wins and everyone reads the winner's value.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def filesystem_broker_options(folder: Path, polling_interval: float) -> dict[str, object]:
    """Transport options for kombu's `filesystem://` broker, a queue that needs no server.

    Producers and consumers share one queue folder; kombu creates none of its folders itself.
    """
    queue = folder / "queue"
    control = folder / "control"
    for path in (queue, control):
        path.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "control_folder": str(control),
        "polling_interval": polling_interval,
    }
