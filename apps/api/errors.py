"""The one place where errors become HTTP answers: every API error is JSON `{detail, code}`.

Domain errors carry their own status and code (apps.elections.errors); DRF's exceptions
(validation, authentication, permission, 404, 405, parse errors) are reshaped to the same body.
A validation error also lists its fields under `errors`. Paths under /api/ that match no view
are answered by apps.api.urls, and a server error under /api/ by `server_error` (handler500).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from apps.elections.errors import DomainError


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"detail": exc.detail, "code": exc.code}, status=exc.status)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug, not bad input: let Django log it and answer 500
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": "; ".join(_messages(exc.detail)),
            "code": "invalid",
            "errors": exc.detail,
        }
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "detail": " ".join(_messages(exc.detail)),
            "code": codes if isinstance(codes, str) else exc.default_code,
        }
    return response


def _messages(detail: Any, path: str = "") -> list[str]:
    """Flatten DRF's nested error detail into "path: message" strings (`voters[3].email: ...`,
    also for a list field's items, which DRF keys by their index: `contests[1].kind: ...`)."""
    if isinstance(detail, dict):
        return [
            message
            for key, value in detail.items()
            for message in _messages(value, path if key == "non_field_errors" else _join(path, key))
        ]
    if isinstance(detail, list) and not all(isinstance(item, str) for item in detail):
        return [
            message
            for index, item in enumerate(detail)
            for message in _messages(item, f"{path}[{index}]")
        ]
    items = detail if isinstance(detail, list) else [detail]
    return [f"{path}: {item}" if path else str(item) for item in items]


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: a JSON body under /api/, Django's own page everywhere else."""
    if request.path.startswith("/api/"):
        body = {"detail": "internal server error", "code": "server_error"}
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
