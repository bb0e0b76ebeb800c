"""The backend's Celery app, configured from Django settings (names prefixed CELERY_)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evoting.settings")

app = Celery("evoting")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
