"""Log output shared by the backend, the validator nodes and the bootnode.

LOG_FORMAT chooses it: `plain` (the default, one readable line per event) or `json` (one JSON
object per line, for a log shipper): `timestamp`, `level`, `logger`, `message`, `node_id`, and
the ids of what the event is about (`election`, `transaction`, ...) when the code logging it
runs inside `log_context(...)` or passes them as `extra`. Django's LOGGING, Celery's worker
and gunicorn all use the same formatter (see gunicorn.conf.py at the repository's root).

Like validators.env, this module imports nothing from Django or the project's packages.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from validators.env import EnvError, envstr

FORMATS = ("plain", "json")
_CONTEXT: ContextVar[Mapping[str, object] | None] = ContextVar("log_context", default=None)


def log_format() -> str:
    """LOG_FORMAT, checked: an unknown format stops the process at start-up."""
    value = envstr("LOG_FORMAT", "plain").lower()
    if value not in FORMATS:
        raise EnvError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, got {value!r}")
    return value


@contextmanager
def log_context(**ids: object) -> Iterator[None]:
    """Name what the events logged inside this block are about, e.g. log_context(election=3)."""
    token = _CONTEXT.set({**(_CONTEXT.get() or {}), **ids})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


class ContextFilter(logging.Filter):
    """Adds the process's node id and the ids of the current log_context to every record."""

    def __init__(self, node_id: str = "") -> None:
        super().__init__()
        self.node_id = node_id

    def filter(self, record: logging.LogRecord) -> bool:
        record.node_id = self.node_id
        for key, value in (_CONTEXT.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
    )


def plain_formatter(node_id: str) -> logging.Formatter:
    node = f" node={node_id}" if node_id else ""
    return logging.Formatter(f"%(asctime)s %(levelname)s{node} %(name)s %(message)s")


def logging_config(node_id: str) -> dict[str, Any]:
    """Django's LOGGING for a process: everything to stderr, in LOG_FORMAT, at LOG_LEVEL. In
    JSON format Python's warnings become log records too, so every line is an object."""
    if log_format() == "json":
        logging.captureWarnings(True)
        formatter: dict[str, Any] = {"()": "validators.logs.json_formatter"}
    else:
        formatter = {"()": "validators.logs.plain_formatter", "node_id": node_id}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "validators.logs.ContextFilter", "node_id": node_id}},
        "formatters": {"line": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    }


def use_in_celery(logger: logging.Logger, node_id: str) -> None:
    """In JSON format, make the handlers Celery's worker set up write JSON lines too (the
    plain format keeps Celery's own lines)."""
    if log_format() != "json":
        return
    for handler in logger.handlers:
        handler.setFormatter(json_formatter())
        handler.addFilter(ContextFilter(node_id))
