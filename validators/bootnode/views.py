"""JSON endpoints of the bootnode. Each parses its input, calls one verb and shapes the output;
`bootnode_endpoint` is the one place that turns errors into HTTP responses."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from validators.bootnode import services
from validators.bootnode.errors import (
    BootnodeError,
    MalformedMessage,
    PeerNotRegistered,
    PeerRejected,
)
from validators.bootnode.messages import (
    node_id_field,
    parse_heartbeat,
    parse_registration,
)
from validators.bootnode.models import Peer
from validators.core.genesis import GenesisError

logger = logging.getLogger(__name__)

View = Callable[[HttpRequest], HttpResponse]

HTTP_STATUS: dict[type[BootnodeError], int] = {
    BootnodeError: 400,
    MalformedMessage: 400,
    PeerRejected: 403,
    PeerNotRegistered: 404,
}


def http_status(error: BootnodeError) -> int:
    return next(HTTP_STATUS[kind] for kind in type(error).__mro__ if kind in HTTP_STATUS)


def error_response(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def refusal(request: HttpRequest, status: int, code: str, detail: str) -> JsonResponse:
    logger.warning(
        "request refused %s",
        services.log_fields(path=request.path, status=status, code=code, detail=detail),
    )
    return error_response(status, code, detail)


def bootnode_endpoint(method: str) -> Callable[[View], View]:
    """Accept one HTTP method, drop silent peers before serving, map errors to JSON.

    CSRF-exempt: callers are machines that authenticate by signature, never by cookie.
    """

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def endpoint(request: HttpRequest) -> HttpResponse:
            if request.method != method:
                response = refusal(request, 405, "method_not_allowed", f"use {method}")
                response["Allow"] = method
                return response
            try:
                services.drop_silent_peers(timezone.now())
                return view(request)
            except BootnodeError as exc:
                return refusal(request, http_status(exc), exc.code, exc.detail)
            except RequestDataTooBig:
                return refusal(request, 413, "body_too_large", "the body is too large")
            except GenesisError as exc:
                logger.error("genesis unavailable %s", services.log_fields(error=exc))
                return error_response(503, "genesis_unavailable", "the bootnode has no genesis")

        return csrf_exempt(endpoint)

    return decorate


def peer_list(peers: Iterable[Peer]) -> dict[str, Any]:
    return {"peers": [peer.as_entry() for peer in peers]}


def peer_answer(peer: Peer) -> JsonResponse:
    """The caller's own entry, and how long it may stay silent before it is dropped."""
    ttl = settings.BOOTNODE_PEER_TTL_SECONDS
    return JsonResponse({"peer": peer.as_entry(), "peer_ttl_seconds": ttl})


@bootnode_endpoint("POST")
def register_peer(request: HttpRequest) -> HttpResponse:
    return peer_answer(services.register_peer(parse_registration(request.body), timezone.now()))


@bootnode_endpoint("POST")
def heartbeat(request: HttpRequest) -> HttpResponse:
    return peer_answer(services.record_heartbeat(parse_heartbeat(request.body), timezone.now()))


@bootnode_endpoint("GET")
def discover(request: HttpRequest) -> HttpResponse:
    node_id = node_id_field(request.GET.dict(), "node_id")
    return JsonResponse(peer_list(services.peers_for(node_id, timezone.now())))


@bootnode_endpoint("GET")
def peers(request: HttpRequest) -> HttpResponse:
    return JsonResponse(peer_list(services.live_peers(timezone.now())))


@bootnode_endpoint("GET")
def stats(request: HttpRequest) -> HttpResponse:
    return JsonResponse(services.registry_stats(timezone.now()))


@bootnode_endpoint("GET")
def health(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok", "peers": services.live_peers(timezone.now()).count()})


@csrf_exempt
def unknown_route(request: HttpRequest) -> HttpResponse:
    return refusal(request, 404, "not_found", f"no endpoint at {request.path}")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(400, "bad_request", "the request could not be read")


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(500, "internal_error", "the bootnode failed; see its log")
