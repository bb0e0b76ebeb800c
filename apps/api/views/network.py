"""The validator network as officials see it: health per validator, and a refresh on demand."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.permissions import IsHealthWatcher
from apps.api.serializers import ValidatorHealthOutput


@extend_schema(responses=ValidatorHealthOutput, tags=["validators"])
@api_view(["GET"])
@permission_classes([IsHealthWatcher])
def validator_health(request: Request) -> Response:
    """Health as last measured by the periodic check."""
    from apps.network.health import healthy_count, validator_health_rows

    rows = [row.to_dict() for row in validator_health_rows()]
    return Response({"healthy": healthy_count(), "validators": rows})


@extend_schema(request=None, responses=ValidatorHealthOutput, tags=["validators"])
@api_view(["POST"])
@permission_classes([IsHealthWatcher])
def refresh_validator_status(request: Request) -> Response:
    """Measure every validator now instead of waiting for the periodic check."""
    from apps.network.health import healthy_count, refresh_validator_health

    rows = [row.to_dict() for row in refresh_validator_health()]
    return Response({"healthy": healthy_count(), "validators": rows})
