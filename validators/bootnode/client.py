"""Calls a validator node makes to the bootnode. No Django import.

Every failure (connection refused, timeout, non-2xx, unreadable answer) raises
`BootnodeUnavailable`, so a caller needs one `except` to fall back to its cached peers.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

import requests

from validators.bootnode.messages import heartbeat_bytes, registration_bytes
from validators.core.keys import SigningKey

_T = TypeVar("_T")


class BootnodeUnavailable(Exception):
    """The bootnode did not give a usable answer. `status` and `code` are set when it answered
    with an error (e.g. code "peer_not_registered": register again)."""

    def __init__(self, detail: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code


def now_ms() -> int:
    return int(time.time() * 1000)


def register(
    bootnode_url: str,
    chain_id: str,
    node_id: str,
    url: str,
    signing_key: SigningKey,
    timeout: float = 2.0,
) -> dict[str, Any]:
    """Announce `url` as `node_id`'s address; returns the bootnode's entry for the node."""
    timestamp_ms = now_ms()
    signed = registration_bytes(chain_id, node_id, url, signing_key.public_key, timestamp_ms)
    body = {
        "node_id": node_id,
        "url": url,
        "public_key": signing_key.public_key,
        "timestamp_ms": timestamp_ms,
        "signature": signing_key.sign(signed),
    }
    answer = bootnode_call("POST", bootnode_url, "register_peer", timeout, json=body)
    return answer_field(answer, "peer", dict)


def heartbeat(
    bootnode_url: str, chain_id: str, node_id: str, signing_key: SigningKey, timeout: float = 2.0
) -> dict[str, Any]:
    """Tell the bootnode `node_id` is alive; returns the bootnode's entry for the node."""
    timestamp_ms = now_ms()
    body = {
        "node_id": node_id,
        "timestamp_ms": timestamp_ms,
        "signature": signing_key.sign(heartbeat_bytes(chain_id, node_id, timestamp_ms)),
    }
    answer = bootnode_call("POST", bootnode_url, "heartbeat", timeout, json=body)
    return answer_field(answer, "peer", dict)


def discover(bootnode_url: str, node_id: str, timeout: float = 2.0) -> list[dict[str, Any]]:
    """The other live peers: [{"node_id", "url", "public_key", "last_seen_at"}, ...]."""
    answer = bootnode_call("GET", bootnode_url, "discover", timeout, params={"node_id": node_id})
    return answer_field(answer, "peers", list)


def bootnode_call(
    method: str, bootnode_url: str, endpoint: str, timeout: float, **kwargs: Any
) -> dict[str, Any]:
    address = f"{bootnode_url.rstrip('/')}/{endpoint}"
    try:
        response = requests.request(method, address, timeout=timeout, **kwargs)
    except requests.RequestException as exc:
        raise BootnodeUnavailable(f"bootnode {address} unreachable: {exc}") from exc
    answer = json_object(response)
    if not response.ok:
        raise BootnodeUnavailable(
            f"bootnode {address} answered {response.status_code}: {answer.get('detail')}",
            status=response.status_code,
            code=answer.get("code"),
        )
    return answer


def json_object(response: requests.Response) -> dict[str, Any]:
    """The answer's JSON object; {} when it has none (an error page from a proxy, say)."""
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def answer_field(answer: dict[str, Any], name: str, kind: type[_T]) -> _T:
    value = answer.get(name)
    if not isinstance(value, kind):
        raise BootnodeUnavailable(f"bootnode answer has no {name!r} {kind.__name__}")
    return value
