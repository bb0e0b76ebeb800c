"""GET /health: liveness for load balancers and docker-compose, and the validators' state."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, connection
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.serializers import HealthOutput

log = logging.getLogger("apps.api")


@extend_schema(responses=HealthOutput, auth=[], tags=["health"])
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def health(request: Request) -> Response:
    """`ok` while the database answers, whatever the validators' state: with none healthy the
    backend still accepts votes (onto its fallback chain)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        log.exception("health check: database unreachable")
        body: dict[str, Any] = {"service": "backend", "status": "down", "validators_healthy": None}
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    body = {"service": "backend", "status": "ok", "validators_healthy": _healthy_validators()}
    return Response(body)


def _healthy_validators() -> int | None:
    """None when the count cannot be read: liveness must not fail with the health table."""
    try:
        from apps.network.health import healthy_count

        return healthy_count()
    except Exception:
        log.exception("health check: validator health unreadable")
        return None
