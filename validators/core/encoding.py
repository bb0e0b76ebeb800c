"""The one canonical encoding used for hashing, signing and verifying (nodes and verifier alike).

Canonical bytes = JSON with sorted keys, no insignificant white space, UTF-8, and no floats
(floats have no single textual form; timestamps travel as integer milliseconds).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


class EncodingError(ValueError):
    """A value that has no canonical encoding (a float, a non-string key, an unknown type)."""


def _check(value: Any) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return
    if isinstance(value, float):
        raise EncodingError("floats have no canonical encoding; use integers")
    if isinstance(value, (list, tuple)):
        for item in value:
            _check(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise EncodingError(f"object keys must be strings, got {type(key).__name__}")
            _check(item)
        return
    raise EncodingError(f"cannot encode {type(value).__name__}")


def _dumps(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_bytes(value: Any) -> bytes:
    """Encode a JSON-able value (dicts, lists, str, int, bool, None) canonically."""
    _check(value)
    return _dumps(value)


def canonical_bytes_of_record(record: dict[str, str | int]) -> bytes:
    """canonical_bytes of a flat object of strings and integers, checked in one cheap pass.

    Nodes encode every transaction several times; the general check walks each value through
    Python calls and cost as much as the encoding itself."""
    for key, item in record.items():
        if type(item) is not str and type(item) is not int:
            raise EncodingError(f"{key}: a record holds only strings and integers")
    return _dumps(record)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_hash(value: Any) -> str:
    """SHA-256 (hex) of the canonical bytes of a value."""
    return sha256_hex(canonical_bytes(value))
