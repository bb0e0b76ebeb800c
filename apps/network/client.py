"""Talking to validators over HTTP: JSON-RPC batches and GETs, with failover across nodes.

No database here: callers say which validators to try, in which order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings

log = logging.getLogger("apps.network")


class ValidatorUnavailable(Exception):
    """Connection error, timeout, 5xx, or an answer that is not the JSON we asked for."""


@dataclass(frozen=True)
class Endpoint:
    node_id: str
    url: str


@dataclass(frozen=True)
class RpcAnswers:
    """The answers of one batch, by call index, from the validator that gave them."""

    endpoint: Endpoint
    by_index: dict[int, dict[str, Any]]
    failed_over: tuple[str, ...]  # validators tried first that did not answer


def rpc_timeout() -> tuple[float, float]:
    return (settings.CHAIN_CONNECT_TIMEOUT_SECONDS, settings.CHAIN_RPC_TIMEOUT_SECONDS)


def _post(url: str, body: Any, timeout: tuple[float, float]) -> requests.Response:
    return requests.post(url, json=body, timeout=timeout)


def _get(url: str, params: dict[str, Any], timeout: tuple[float, float]) -> requests.Response:
    return requests.get(url, params=params, timeout=timeout)


def _failure(endpoint: Endpoint, exc: requests.RequestException) -> ValidatorUnavailable:
    if isinstance(exc, requests.Timeout):
        kind = "timed out"
    elif isinstance(exc, requests.ConnectionError):
        kind = "connection failed"
    else:
        kind = type(exc).__name__
    return ValidatorUnavailable(f"{endpoint.node_id}: {kind}")


def _json(response: requests.Response, endpoint: Endpoint) -> Any:
    if response.status_code != 200:
        raise ValidatorUnavailable(f"{endpoint.node_id} answered HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError as exc:
        raise ValidatorUnavailable(f"{endpoint.node_id} answered no JSON") from exc


def rpc_batch(
    endpoint: Endpoint, methods: Sequence[tuple[str, list[Any]]], timeout: tuple[float, float]
) -> dict[int, dict[str, Any]]:
    """One JSON-RPC batch: call i gets id i; returns each answer by its id."""
    body = [
        {"jsonrpc": "2.0", "id": i, "method": method, "params": params}
        for i, (method, params) in enumerate(methods)
    ]
    try:
        response = _post(endpoint.url + "/rpc", body, timeout)
    except requests.RequestException as exc:
        raise _failure(endpoint, exc) from exc
    answers = _json(response, endpoint)
    if not isinstance(answers, list):
        raise ValidatorUnavailable(f"{endpoint.node_id} refused the batch: {str(answers)[:200]}")
    return {a["id"]: a for a in answers if isinstance(a, dict) and isinstance(a.get("id"), int)}


def rpc_with_failover(
    endpoints: Sequence[Endpoint], methods: Sequence[tuple[str, list[Any]]], rounds: int = 2
) -> RpcAnswers:
    """Send the batch to the first validator that answers, trying each in order, `rounds`
    times over; raises ValidatorUnavailable when none does."""
    failed: list[str] = []
    for _ in range(rounds):
        for endpoint in endpoints:
            started = time.monotonic()
            try:
                answers = rpc_batch(endpoint, methods, rpc_timeout())
            except ValidatorUnavailable as exc:
                log.warning(
                    'validator call failed node=%s calls=%s ms=%d error="%s"',
                    endpoint.node_id,
                    len(methods),
                    (time.monotonic() - started) * 1000,
                    exc,
                )
                failed.append(endpoint.node_id)
                continue
            return RpcAnswers(endpoint, answers, tuple(failed))
    raise ValidatorUnavailable(f"no validator answered (tried {len(failed)} times)")


def get_json(
    endpoint: Endpoint, path: str, params: dict[str, Any], timeout: tuple[float, float]
) -> Any:
    try:
        response = _get(endpoint.url + path, params, timeout)
    except requests.RequestException as exc:
        raise _failure(endpoint, exc) from exc
    return _json(response, endpoint)
