"""HTTP endpoints of a validator node."""

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"node_id": settings.NODE_ID, "status": "starting"})
