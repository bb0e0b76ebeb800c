"""gunicorn settings read by every web process started from the repository root (gunicorn
loads ./gunicorn.conf.py by default): the backend's and each validator's.

Prometheus multiprocess mode (validators/metrics_export.py): the workers write their metrics
under <METRICS_DIR>/web. The master empties that folder when it starts, and marks each worker
that exits as dead so its live gauges stop counting.

With LOG_FORMAT=json gunicorn's own error and access lines are JSON objects too, in the format
of validators.logs.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path
from typing import Any

from validators.logs import log_format
from validators.metrics_export import ROLE_VARIABLE, WEB, empty_directory, role_directory

# Workers inherit it: their settings then write under the `web` folder.
os.environ[ROLE_VARIABLE] = WEB


def _settings_module(app_uri: str) -> str:
    """The app's settings module: DJANGO_SETTINGS_MODULE, else `<package>.settings` beside
    `<package>.wsgi`."""
    module = app_uri.split(":", 1)[0]
    default = module.rsplit(".", 1)[0] + ".settings"
    return os.environ.get("DJANGO_SETTINGS_MODULE") or default


def _web_metrics_dir(server: Any) -> Path | None:
    app_uri = getattr(server.app, "app_uri", None) or ""
    name = _settings_module(app_uri)
    if importlib.util.find_spec(name) is None:  # an app without such settings (bench/)
        return None
    settings = importlib.import_module(name)
    metrics_dir = getattr(settings, "METRICS_DIR", None)
    return role_directory(Path(metrics_dir), WEB) if metrics_dir else None


def on_starting(server: Any) -> None:
    directory = _web_metrics_dir(server)
    if directory is not None:
        empty_directory(directory)
        server.log.info("metrics folder emptied: %s", directory)


def child_exit(server: Any, worker: Any) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, directory)


if log_format() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "validators.logs.json_formatter"}},
        "handlers": {
            "error_console": {"class": "logging.StreamHandler", "formatter": "json"},
            "console": {"class": "logging.StreamHandler", "formatter": "json"},
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["error_console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
