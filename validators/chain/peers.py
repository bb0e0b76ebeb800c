"""Talking to other validators over HTTP: short timeouts, fire-and-forget sends.

Peer URLs come from genesis, refreshed from the bootnode when it answers; the trusted set
and keys always come from genesis.
"""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import requests
from django.utils import timezone

from validators.chain.models import Peer
from validators.chain.store import genesis

log = logging.getLogger("validators.peers")

SEND_TIMEOUT = (0.5, 5.0)
_local = threading.local()
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="peer-send")


def _session() -> requests.Session:
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    session: requests.Session = _local.session
    return session


def peer_urls(exclude: str) -> dict[str, str]:
    """node id -> base URL for every validator but `exclude`."""
    urls = {v.id: v.url for v in genesis().validators if v.id != exclude}
    for peer in Peer.objects.filter(node_id__in=list(urls)):
        urls[peer.node_id] = peer.url
    return urls


def post_json(url: str, body: bytes) -> None:
    """POST an already encoded JSON body."""
    headers = {"Content-Type": "application/json"}
    try:
        response = _session().post(url, data=body, headers=headers, timeout=SEND_TIMEOUT)
        if response.status_code >= 400:
            log.info(
                "peer refused url=%s status=%s body=%s",
                url,
                response.status_code,
                response.text[:200],
            )
    except requests.RequestException as exc:
        log.debug("peer unreachable url=%s error=%s", url, exc.__class__.__name__)


def send_later(urls: list[str], path: str, body: Any) -> list[Future[None]]:
    """Queue a POST to each URL; returns the futures (callers usually ignore them). The body
    is encoded once for all peers (a proposal is megabytes)."""
    encoded = json.dumps(body, separators=(",", ":")).encode()
    return [_pool.submit(post_json, url + path, encoded) for url in urls]


def fetch_json(url: str, params: dict[str, Any]) -> Any:
    """GET JSON from a peer; None when it cannot be had."""
    return _json_answer("GET", url, (0.5, 10.0), params=params)


def post_for_json(url: str, body: Any) -> Any:
    """POST JSON to a peer and return its JSON answer; None when it cannot be had."""
    return _json_answer("POST", url, SEND_TIMEOUT, json=body)


def _json_answer(method: str, url: str, timeout: tuple[float, float], **kwargs: Any) -> Any:
    try:
        response = _session().request(method, url, timeout=timeout, **kwargs)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        log.info("peer request failed url=%s error=%s", url, exc.__class__.__name__)
        return None


def record_heard_from(node_id: str) -> None:
    Peer.objects.filter(node_id=node_id).update(last_heard_at=timezone.now())
