"""Canonical JSON: the one encoding of the repository, for every hash, signature and file.

Ballots and trackers, election records and the verifier, trustee files, the validators'
signed messages, transactions and block hashes, the bootnode's signed messages and the
backend's fallback chain all encode values here, so one value has one byte string everywhere.

Rules (also in docs/election-record.md):
1. UTF-8, object keys sorted by code point, no insignificant whitespace (``,`` and ``:``
   separators), non-ASCII characters written as themselves, not as ``\\u`` escapes.
2. Values are objects with string keys, arrays, strings, booleans, null and integers in
   -(2**53 - 1)..2**53 - 1, nested at most 64 deep. No floats: they have no single textual
   form (timestamps travel as integer milliseconds). The integer range is the one every JSON
   parser holds exactly (JavaScript's numbers among them, as the browser's ballot code
   checks), so every implementation reads back the value that was hashed; a larger number,
   such as a scalar, is written as a hex string.
3. Cryptographic values (group elements, scalars, hashes) are lowercase hex strings of a fixed
   width, so each value has exactly one spelling.

It lives in `evcrypto`, whose election record format these rules define. The module needs
only the standard library and `evcrypto.errors`, and the package imports no Django, so the
validators' pure core, the bootnode and the trustee command import it as they are. Failures of the encoding itself raise `EncodingError`,
a `CryptoError`: evcrypto's callers catch it as the package's one error, and code that only
encodes (the validators, the backend's fallback chain) catches just `EncodingError`. The
``expect_*`` readers check the shape of evcrypto's own values and raise `CryptoError`.
"""

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from evcrypto.errors import CryptoError

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 64
_LOWER_HEX = re.compile(r"[0-9a-f]*")


class EncodingError(CryptoError):
    """A value with no canonical encoding (a float, a non-string key, an integer outside the
    safe range, ...), or bytes that are not JSON or not in canonical form."""


def canonical_json(value: object) -> bytes:
    """Encode `value` as canonical JSON bytes; EncodingError if it holds a non-JSON value."""
    _check_json_value(value, depth=0)
    return _encode(value)


def canonical_json_of_record(record: Mapping[str, str | int]) -> bytes:
    """canonical_json of a flat object of strings and integers, checked in one cheap pass.

    Nodes encode every transaction several times; the general check walks each value through
    Python calls and costs as much as the encoding itself."""
    for key, item in record.items():
        if type(key) is not str or (type(item) is not str and type(item) is not int):
            raise EncodingError(f"{key}: a record holds only strings and integers")
        if type(item) is int and not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
            raise EncodingError(f"{key}: integer outside the safe range, use a hex string")
    return _encode(record)


def canonical_hash(value: object) -> str:
    """Lowercase hex SHA-256 of the canonical JSON of `value`."""
    return sha256_hex(canonical_json(value))


def _encode(value: object) -> bytes:
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate has no UTF-8 form
        raise EncodingError(
            f"canonical json: string is not valid unicode ({error.reason})"
        ) from None


def _check_json_value(value: object, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise EncodingError("canonical json: nested too deeply")
    if value is None or isinstance(value, str | bool):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise EncodingError("canonical json: integer outside the safe range, use a hex string")
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_json_value(item, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise EncodingError(f"canonical json: object key {key!r} is not a string")
            _check_json_value(item, depth + 1)
        return
    raise EncodingError(f"canonical json: {type(value).__name__} is not allowed")


def parse_json(data: bytes | str) -> Any:
    """Parse JSON text strictly: no floats, NaN or duplicate keys; EncodingError if malformed."""
    if not isinstance(data, bytes | str):
        raise EncodingError(f"json: expected bytes or str, got {type(data).__name__}")
    try:
        return json.loads(
            data,
            parse_float=_reject_float,
            parse_constant=_reject_float,
            object_pairs_hook=_object_without_duplicates,
        )
    except EncodingError:
        raise
    except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError
        raise EncodingError(f"json: malformed ({error})") from None


def parse_canonical_json(data: bytes) -> Any:
    """Parse `data` and insist it is byte-for-byte the canonical encoding of its value."""
    value = parse_json(data)
    if not isinstance(data, bytes) or canonical_json(value) != data:
        raise EncodingError("json: not in canonical form (sorted keys, no spaces, UTF-8)")
    return value


def _reject_float(text: str) -> None:
    raise EncodingError(f"json: non-integer number {text} is not allowed")


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise EncodingError("json: duplicate object key")
    return result


def sha256_hex(data: bytes) -> str:
    """Lowercase hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def hex_bytes(text: object, length: int, what: str) -> bytes:
    """Decode a lowercase hex string of exactly `length` bytes; CryptoError otherwise."""
    if not isinstance(text, str):
        raise CryptoError(f"{what}: expected a hex string, got {type(text).__name__}")
    if len(text) != 2 * length or not _LOWER_HEX.fullmatch(text):
        raise CryptoError(f"{what}: expected {2 * length} lowercase hex digits")
    return bytes.fromhex(text)


def expect_object(value: object, keys: set[str], what: str) -> Mapping[str, Any]:
    """Return `value` if it is a JSON object with exactly `keys`; CryptoError otherwise."""
    if not isinstance(value, dict):
        raise CryptoError(f"{what}: expected an object, got {type(value).__name__}")
    if value.keys() != keys:
        missing = sorted(keys - value.keys())
        unknown = sorted(value.keys() - keys)
        raise CryptoError(f"{what}: missing fields {missing}, unknown fields {unknown}")
    return value


def expect_list(value: object, what: str, length: int | None = None) -> list[Any]:
    """Return `value` if it is a JSON array (of `length` items when given)."""
    if not isinstance(value, list):
        raise CryptoError(f"{what}: expected an array, got {type(value).__name__}")
    if length is not None and len(value) != length:
        raise CryptoError(f"{what}: expected {length} items, got {len(value)}")
    return value


def expect_int(value: object, what: str, low: int = 0, high: int = MAX_SAFE_INTEGER) -> int:
    """Return `value` if it is an integer (not a bool) in low..high; CryptoError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise CryptoError(f"{what}: expected an integer, got {type(value).__name__}")
    if not low <= value <= high:
        raise CryptoError(f"{what}: {value} is outside {low}..{high}")
    return value


def expect_str(value: object, what: str, max_length: int = 256) -> str:
    """Return `value` if it is a non-empty string without control characters."""
    if not isinstance(value, str):
        raise CryptoError(f"{what}: expected a string, got {type(value).__name__}")
    if not 0 < len(value) <= max_length:
        raise CryptoError(f"{what}: length must be 1..{max_length}")
    if not value.isprintable():
        raise CryptoError(f"{what}: control characters are not allowed")
    return value


def expect_hash(value: object, what: str) -> str:
    """Return `value` if it is a SHA-256 hash as 64 lowercase hex digits."""
    hex_bytes(value, 32, what)
    return value  # type: ignore[return-value]
