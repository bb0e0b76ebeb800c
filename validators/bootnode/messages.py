"""Signed bootnode messages: their canonical bytes and their parsing from request bodies.

No Django import: the client builds the very bytes the bootnode verifies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from validators.bootnode.errors import MalformedMessage
from validators.core.encoding import canonical_bytes

REGISTER_PURPOSE = "register_peer"
HEARTBEAT_PURPOSE = "heartbeat"
NODE_ID_MAX_LENGTH = 64
URL_MAX_LENGTH = 255
TEXT_MAX_LENGTH = 1024


def registration_bytes(node_id: str, url: str, public_key: str, timestamp_ms: int) -> bytes:
    return canonical_bytes(
        {
            "node_id": node_id,
            "url": url,
            "public_key": public_key,
            "timestamp_ms": timestamp_ms,
            "purpose": REGISTER_PURPOSE,
        }
    )


def heartbeat_bytes(node_id: str, timestamp_ms: int) -> bytes:
    return canonical_bytes(
        {"node_id": node_id, "timestamp_ms": timestamp_ms, "purpose": HEARTBEAT_PURPOSE}
    )


@dataclass(frozen=True)
class PeerRegistration:
    node_id: str
    url: str
    public_key: str
    timestamp_ms: int
    signature: str

    def signed_bytes(self) -> bytes:
        return registration_bytes(self.node_id, self.url, self.public_key, self.timestamp_ms)


@dataclass(frozen=True)
class Heartbeat:
    node_id: str
    timestamp_ms: int
    signature: str

    def signed_bytes(self) -> bytes:
        return heartbeat_bytes(self.node_id, self.timestamp_ms)


def parse_registration(body: bytes) -> PeerRegistration:
    data = json_object(body)
    return PeerRegistration(
        node_id=node_id_field(data, "node_id"),
        url=url_field(data, "url"),
        public_key=text_field(data, "public_key"),
        timestamp_ms=int_field(data, "timestamp_ms"),
        signature=text_field(data, "signature"),
    )


def parse_heartbeat(body: bytes) -> Heartbeat:
    data = json_object(body)
    return Heartbeat(
        node_id=node_id_field(data, "node_id"),
        timestamp_ms=int_field(data, "timestamp_ms"),
        signature=text_field(data, "signature"),
    )


def json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (
        ValueError,
        RecursionError,
    ):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise MalformedMessage("malformed_json", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise MalformedMessage("malformed_json", "the body must be a JSON object")
    return data


def _present(data: dict[str, Any], name: str) -> Any:
    if name not in data or data[name] is None:
        raise MalformedMessage("missing_field", f"field {name!r} is required")
    return data[name]


def text_field(data: dict[str, Any], name: str, max_length: int = TEXT_MAX_LENGTH) -> str:
    """A non-empty printable string: no control characters reach the database or the logs."""
    value = _present(data, name)
    if not isinstance(value, str) or not value or not value.isprintable():
        raise MalformedMessage("invalid_field", f"field {name!r} must be a non-empty string")
    if len(value) > max_length:
        raise MalformedMessage(
            "invalid_field", f"field {name!r} must be at most {max_length} characters"
        )
    return value


def node_id_field(data: dict[str, Any], name: str) -> str:
    return text_field(data, name, NODE_ID_MAX_LENGTH)


def url_field(data: dict[str, Any], name: str) -> str:
    value = text_field(data, name, URL_MAX_LENGTH)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise MalformedMessage("invalid_field", f"field {name!r} must be an http(s) URL")
    return value


def int_field(data: dict[str, Any], name: str) -> int:
    value = _present(data, name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedMessage("invalid_field", f"field {name!r} must be an integer")
    return value
