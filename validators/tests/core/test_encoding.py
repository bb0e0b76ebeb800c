"""The canonical encoding: the fast path for flat records gives the same bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validators.core.encoding import EncodingError, canonical_bytes, canonical_bytes_of_record

records = st.dictionaries(st.text(max_size=12), st.one_of(st.text(), st.integers()), max_size=8)


@given(records)
def test_a_record_encodes_as_the_general_encoding_does(record: dict[str, str | int]) -> None:
    assert canonical_bytes_of_record(record) == canonical_bytes(record)


@pytest.mark.parametrize("value", [1.5, True, None, ["a"], {"a": 1}])
def test_a_record_refuses_anything_but_strings_and_integers(value: object) -> None:
    with pytest.raises(EncodingError, match="only strings and integers"):
        canonical_bytes_of_record({"field": value})  # type: ignore[dict-item]
