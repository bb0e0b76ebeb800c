"""The backend's Celery app, configured from Django settings (names prefixed CELERY_)."""

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger, celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evoting.settings")

app = Celery("evoting")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
def quiet_per_task_lines(**kwargs: Any) -> None:
    """Beat runs delivery and receipts every second: per-task lines would bury the events."""
    for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat"):
        logging.getLogger(name).setLevel(logging.WARNING)


@after_setup_logger.connect
def json_lines_if_asked(logger: logging.Logger, **kwargs: Any) -> None:
    """LOG_FORMAT=json: the worker's lines are JSON objects like the web process's."""
    from validators.logs import use_in_celery

    use_in_celery(logger, "backend")


@celeryd_init.connect
def fresh_worker_metrics(**kwargs: Any) -> None:
    """The worker's metric files from an earlier run are removed when it starts (its own, if
    it has loaded metrics already, stay): counters count from zero, as gunicorn's do
    (gunicorn.conf.py)."""
    from pathlib import Path

    from django.conf import settings

    from validators.metrics_export import WORKER, empty_directory, role_directory

    empty_directory(role_directory(Path(settings.METRICS_DIR), WORKER), keep_pid=os.getpid())
