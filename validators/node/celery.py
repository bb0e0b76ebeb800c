"""The validator node's Celery app (worker and beat), configured from Django settings."""

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger, beat_init, celeryd_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "validators.node.settings")

PR_SET_PDEATHSIG = 1

app = Celery("validators.node")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def refuse_to_start_without_node_id(**kwargs: Any) -> None:
    from validators.node.startup import require_node_id

    require_node_id()


@after_setup_logger.connect
def quiet_per_task_lines(**kwargs: Any) -> None:
    """A tick every fraction of a second would bury the commit log under per-task lines."""
    for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat"):
        logging.getLogger(name).setLevel(logging.WARNING)


@after_setup_logger.connect
def json_lines_if_asked(logger: logging.Logger, **kwargs: Any) -> None:
    """LOG_FORMAT=json: the worker's lines are JSON objects like the web process's."""
    from django.conf import settings

    from validators.logs import use_in_celery

    use_in_celery(logger, settings.NODE_LABEL)


@beat_init.connect
def die_with_the_worker(**kwargs: Any) -> None:
    """The beat embedded in a worker (-B) is a child process; if the worker is killed with
    SIGKILL it would live on and a restarted worker would add a second beat. Ask Linux to
    kill it when its parent dies (PR_SET_PDEATHSIG), so each node has exactly one beat."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@celeryd_init.connect
def fresh_worker_metrics(**kwargs: Any) -> None:
    """The worker's metric files from an earlier run are removed when it starts (its own, if
    it has loaded metrics already, stay): counters count from zero, as gunicorn's do
    (gunicorn.conf.py)."""
    from pathlib import Path

    from django.conf import settings

    from validators.metrics_export import WORKER, empty_directory, role_directory

    empty_directory(role_directory(Path(settings.METRICS_DIR), WORKER), keep_pid=os.getpid())
