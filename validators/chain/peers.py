"""Talking to other validators over HTTP: short timeouts, fire-and-forget sends.

Peer URLs come from genesis, refreshed from the bootnode when it answers; the trusted set
and keys always come from genesis.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from concurrent.futures import Future
from typing import Any

import requests
from django.utils import timezone

from validators.chain.models import Peer
from validators.chain.network_config import genesis

log = logging.getLogger("validators.peers")

SEND_TIMEOUT = (0.5, 5.0)
# Each peer has its own queue and senders: a peer that takes connections but never answers (a
# paused process, a full backlog) holds each of its senders for SEND_TIMEOUT, and must not hold
# up the messages to the others. Messages are re-sent every interval, so beyond
# MAX_QUEUED_PER_PEER waiting for one peer the oldest is given up.
SENDERS_PER_PEER = 4
MAX_QUEUED_PER_PEER = 64
_local = threading.local()


class PeerQueue:
    """The messages waiting for one peer, sent in order by its own threads."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.waiting: deque[tuple[str, bytes, Future[None]]] = deque()
        self.ready = threading.Condition()
        self.senders: list[threading.Thread] = []

    def submit(self, url: str, body: bytes) -> Future[None]:
        future: Future[None] = Future()
        with self.ready:
            if len(self.waiting) >= MAX_QUEUED_PER_PEER:
                _, _, oldest = self.waiting.popleft()
                oldest.set_result(None)  # given up: a later re-send carries the same news
                log.debug("peer send dropped url=%s waiting=%s", url, len(self.waiting))
            self.waiting.append((url, body, future))
            if len(self.senders) < SENDERS_PER_PEER:
                sender = threading.Thread(
                    target=self._send_forever, name=f"peer-send-{self.name}", daemon=True
                )
                self.senders.append(sender)
                sender.start()
            self.ready.notify()
        return future

    def _send_forever(self) -> None:
        while True:
            with self.ready:
                while not self.waiting:
                    self.ready.wait()
                url, body, future = self.waiting.popleft()
            try:
                post_json(url, body)
            except Exception as exc:  # post_json catches request errors; anything else is a bug
                future.set_exception(exc)
            else:
                future.set_result(None)


_queues: dict[str, PeerQueue] = {}
_queues_lock = threading.Lock()


def _queue_for(base_url: str) -> PeerQueue:
    with _queues_lock:
        if base_url not in _queues:
            _queues[base_url] = PeerQueue(base_url.split("//")[-1])
        return _queues[base_url]


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
    return [_queue_for(url).submit(url + path, encoded) for url in urls]


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
