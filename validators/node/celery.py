"""The validator node's Celery app (worker and beat), configured from Django settings."""

import os
from typing import Any

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "validators.node.settings")

app = Celery("validators.node")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def refuse_to_start_without_node_id(**kwargs: Any) -> None:
    from validators.node.startup import require_node_id

    require_node_id()
