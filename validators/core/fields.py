"""Typed fields of decoded JSON objects: one reading for every document the validators parse,
the wire form of blocks and consensus messages, the bootnode's requests and the genesis file.

Each format keeps its own error type and wording (a peer, a bootnode client and an operator
editing genesis each get the messages they always got) through the `FieldReader` it builds
once: `invalid(name, complaint)` makes the exception for a field that is not what it must be,
with a complaint such as "must be a string" or "has a bad format"; `missing(name)`, when
given, the one for a field that is absent or null (without it, such a field is invalid).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evcrypto.encoding import MAX_SAFE_INTEGER


@dataclass(frozen=True)
class FieldReader:
    invalid: Callable[[str, str], Exception]
    missing: Callable[[str], Exception] | None = None
    # Complain in Python's type names ("must be str"), as the genesis file's messages do,
    # instead of in words ("must be a string").
    type_names: bool = False

    def text(
        self,
        data: dict[str, Any],
        name: str,
        *,
        pattern: re.Pattern[str] | None = None,
        printable: bool = False,
        max_length: int | None = None,
    ) -> str:
        """A string; `printable`: non-empty and without control characters (none reach a
        database or a log), at most `max_length` characters, matching `pattern`."""
        value = self._present(data, name)
        if not isinstance(value, str) or printable and not (value and value.isprintable()):
            raise self._not_a(name, str, "a non-empty string" if printable else "a string")
        if max_length is not None and len(value) > max_length:
            raise self.invalid(name, f"must be at most {max_length} characters")
        if pattern is not None and not pattern.match(value):
            raise self.invalid(name, "has a bad format")
        return value

    def integer(self, data: dict[str, Any], name: str, *, non_negative: bool = False) -> int:
        """An integer (JSON's true and false are not), at least 0 if `non_negative`, and within
        canonical JSON's range (outside it, nothing could sign or hash the document)."""
        value = self._present(data, name)
        if not isinstance(value, int) or isinstance(value, bool) or (non_negative and value < 0):
            raise self._not_a(name, int, "a non-negative integer" if non_negative else "an integer")
        if abs(value) > MAX_SAFE_INTEGER:
            raise self.invalid(name, f"must be between -{MAX_SAFE_INTEGER} and {MAX_SAFE_INTEGER}")
        return value

    def array(self, data: dict[str, Any], name: str) -> list[Any]:
        """A JSON array."""
        value = self._present(data, name)
        if not isinstance(value, list):
            raise self._not_a(name, list, "a list")
        return value

    def _present(self, data: dict[str, Any], name: str) -> Any:
        value = data.get(name)
        if value is None and self.missing is not None:
            raise self.missing(name)
        return value

    def _not_a(self, name: str, kind: type, words: str) -> Exception:
        return self.invalid(name, f"must be {kind.__name__ if self.type_names else words}")
