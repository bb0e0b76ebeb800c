"""Signed bootnode messages: their canonical bytes and their parsing from request bodies.

No Django import: the client builds the very bytes the bootnode verifies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from evcrypto.encoding import canonical_json
from validators.bootnode.errors import MalformedMessage
from validators.core.fields import FieldReader

REGISTER_PURPOSE = "register_peer"
HEARTBEAT_PURPOSE = "heartbeat"
NODE_ID_MAX_LENGTH = 64
URL_MAX_LENGTH = 255
TEXT_MAX_LENGTH = 1024

# A request's bad field: 400 missing_field or invalid_field, naming it. Its text fields are
# non-empty and printable, so no control character reaches the database or the logs.
FIELDS = FieldReader(
    invalid=lambda name, complaint: MalformedMessage(
        "invalid_field", f"field {name!r} {complaint}"
    ),
    missing=lambda name: MalformedMessage("missing_field", f"field {name!r} is required"),
)


def registration_bytes(
    chain_id: str, node_id: str, url: str, public_key: str, timestamp_ms: int
) -> bytes:
    """What a registration signs: its purpose and chain too, so it is good for nothing else."""
    return canonical_json(
        {
            "chain_id": chain_id,
            "node_id": node_id,
            "url": url,
            "public_key": public_key,
            "timestamp_ms": timestamp_ms,
            "purpose": REGISTER_PURPOSE,
        }
    )


def heartbeat_bytes(chain_id: str, node_id: str, timestamp_ms: int) -> bytes:
    return canonical_json(
        {
            "chain_id": chain_id,
            "node_id": node_id,
            "timestamp_ms": timestamp_ms,
            "purpose": HEARTBEAT_PURPOSE,
        }
    )


@dataclass(frozen=True)
class PeerRegistration:
    node_id: str
    url: str
    public_key: str
    timestamp_ms: int
    signature: str

    def signed_bytes(self, chain_id: str) -> bytes:
        return registration_bytes(
            chain_id, self.node_id, self.url, self.public_key, self.timestamp_ms
        )


@dataclass(frozen=True)
class Heartbeat:
    node_id: str
    timestamp_ms: int
    signature: str

    def signed_bytes(self, chain_id: str) -> bytes:
        return heartbeat_bytes(chain_id, self.node_id, self.timestamp_ms)


def parse_registration(body: bytes) -> PeerRegistration:
    data = json_object(body)
    return PeerRegistration(
        node_id=node_id_field(data, "node_id"),
        url=url_field(data, "url"),
        public_key=FIELDS.text(data, "public_key", printable=True, max_length=TEXT_MAX_LENGTH),
        timestamp_ms=FIELDS.integer(data, "timestamp_ms"),
        signature=FIELDS.text(data, "signature", printable=True, max_length=TEXT_MAX_LENGTH),
    )


def parse_heartbeat(body: bytes) -> Heartbeat:
    data = json_object(body)
    return Heartbeat(
        node_id=node_id_field(data, "node_id"),
        timestamp_ms=FIELDS.integer(data, "timestamp_ms"),
        signature=FIELDS.text(data, "signature", printable=True, max_length=TEXT_MAX_LENGTH),
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


def node_id_field(data: dict[str, Any], name: str) -> str:
    return FIELDS.text(data, name, printable=True, max_length=NODE_ID_MAX_LENGTH)


def url_field(data: dict[str, Any], name: str) -> str:
    value = FIELDS.text(data, name, printable=True, max_length=URL_MAX_LENGTH)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise FIELDS.invalid(name, "must be an http(s) URL")
    return value
