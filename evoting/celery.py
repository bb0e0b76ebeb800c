"""The backend's Celery app, configured from Django settings (names prefixed CELERY_)."""

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evoting.settings")

app = Celery("evoting")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
def quiet_per_task_lines(**kwargs: Any) -> None:
    """Beat runs delivery and receipts every second: per-task lines would bury the events."""
    for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat"):
        logging.getLogger(name).setLevel(logging.WARNING)
