"""Canonical JSON: one spelling per value, and nothing that could be spelled two ways."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evcrypto import CryptoError, canonical_json, parse_canonical_json, parse_json

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    | st.text(alphabet=st.characters(exclude_categories=["Cs"])),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)


def test_it_sorts_keys_and_leaves_out_spaces() -> None:
    value = {"b": [1, 2], "a": {"d": None, "c": "é"}}
    assert canonical_json(value) == '{"a":{"c":"é","d":null},"b":[1,2]}'.encode()


@given(value=json_values)
def test_parsing_canonical_bytes_gives_back_the_same_bytes(value: object) -> None:
    encoded = canonical_json(value)
    assert canonical_json(parse_canonical_json(encoded)) == encoded


@pytest.mark.parametrize(
    "value",
    [1.5, float("nan"), 2**53, -(2**53), {1: "x"}, b"bytes", {"a": {1, 2}}, "\ud800", object()],
)
def test_it_refuses_values_that_are_not_canonical_json(value: object) -> None:
    with pytest.raises(CryptoError):
        canonical_json(value)


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": 1}',
        b'{"b":1,"a":2}',
        b'{"a":1}\n',
        b'{"a":"\\u0041"}',
        b'{"a":1.0}',
        b'{"a":1,"a":1}',
    ],
)
def test_it_refuses_json_that_is_not_in_canonical_form(text: bytes) -> None:
    with pytest.raises(CryptoError):
        parse_canonical_json(text)


@pytest.mark.parametrize(
    "text", [b"", b"{", b"\xff", b"NaN", b"[1e5]", b'{"a":1,"a":2}', b"[" * 100000, 5, None]
)
def test_malformed_json_raises_the_crypto_error(text: object) -> None:
    with pytest.raises(CryptoError):
        parse_json(text)  # type: ignore[arg-type]
