"""Project-level views that belong to no app."""

from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client.registry import Collector

from validators.metrics_export import metrics_view


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and docker-compose: serving, and the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"service": "backend", "status": "ok"})


def _metrics_dir() -> Path:
    return Path(settings.METRICS_DIR)


def _collectors() -> list[Collector]:
    from apps.network.metrics import scrape_collectors

    return scrape_collectors()


# GET /metrics: loopback, or the METRICS_TOKEN bearer token (validators/metrics_export.py).
metrics = metrics_view(_metrics_dir, lambda: str(settings.METRICS_TOKEN), _collectors)
