"""Canonical JSON: one spelling per value, and nothing that could be spelled two ways; the
fast path for flat records gives the same bytes; every failure is an EncodingError, which is
a CryptoError."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evcrypto import CryptoError, canonical_json, parse_canonical_json, parse_json
from evcrypto.encoding import (
    MAX_DEPTH,
    MAX_SAFE_INTEGER,
    EncodingError,
    canonical_hash,
    canonical_json_of_record,
)

safe_integers = st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | safe_integers
    | st.text(alphabet=st.characters(exclude_categories=["Cs"])),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)
records = st.dictionaries(st.text(max_size=12), st.one_of(st.text(), safe_integers), max_size=8)


def too_deep() -> list[object]:
    value: list[object] = []
    for _ in range(MAX_DEPTH + 1):
        value = [value]
    return value


def test_it_sorts_keys_and_leaves_out_spaces() -> None:
    value = {"b": [1, 2], "a": {"d": None, "c": "é"}}
    assert canonical_json(value) == '{"a":{"c":"é","d":null},"b":[1,2]}'.encode()


def test_signed_messages_and_text_encode_to_fixed_bytes() -> None:
    vote = {
        "chain_id": "evoting-1",
        "phase": "COMMIT",
        "height": 1_204,
        "round": 0,
        "hash": "ab" * 32,
    }
    assert canonical_json(vote) == (
        b'{"chain_id":"evoting-1","hash":"' + b"ab" * 32 + b'","height":1204,'
        b'"phase":"COMMIT","round":0}'
    )
    heartbeat = {
        "node_id": "validator-1",
        "timestamp_ms": 1_790_000_000_123,
        "purpose": "heartbeat",
    }
    assert canonical_json(heartbeat) == (
        b'{"node_id":"validator-1","purpose":"heartbeat","timestamp_ms":1790000000123}'
    )
    assert canonical_hash([]) == "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"
    assert canonical_json({"voter": 'Zoë "Z" \\ 名'}) == '{"voter":"Zoë \\"Z\\" \\\\ 名"}'.encode()


@given(value=json_values)
def test_parsing_canonical_bytes_gives_back_the_same_bytes(value: object) -> None:
    encoded = canonical_json(value)
    assert canonical_json(parse_canonical_json(encoded)) == encoded


@pytest.mark.parametrize(
    "value",
    [
        1.5,
        float("nan"),
        2**53,
        -(2**53),
        {1: "x"},
        b"bytes",
        {"a": {1, 2}},
        "\ud800",
        object(),
        too_deep(),
    ],
)
def test_it_refuses_values_that_are_not_canonical_json(value: object) -> None:
    with pytest.raises(EncodingError):
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
        b'{"a":9007199254740992}',
    ],
)
def test_it_refuses_json_that_is_not_in_canonical_form(text: bytes) -> None:
    with pytest.raises(EncodingError):
        parse_canonical_json(text)


@pytest.mark.parametrize(
    "text", [b"", b"{", b"\xff", b"NaN", b"[1e5]", b'{"a":1,"a":2}', b"[" * 100000, 5, None]
)
def test_malformed_json_raises_the_crypto_error(text: object) -> None:
    with pytest.raises(CryptoError):
        parse_json(text)  # type: ignore[arg-type]


def test_an_encoding_error_is_the_crypto_error_and_a_value_error() -> None:
    assert issubclass(EncodingError, CryptoError)
    assert issubclass(EncodingError, ValueError)


@given(records)
def test_a_record_encodes_as_the_general_encoding_does(record: dict[str, str | int]) -> None:
    assert canonical_json_of_record(record) == canonical_json(record)


@pytest.mark.parametrize("value", [1.5, True, None, ["a"], {"a": 1}])
def test_a_record_refuses_anything_but_strings_and_integers(value: object) -> None:
    with pytest.raises(EncodingError, match="only strings and integers"):
        canonical_json_of_record({"field": value})  # type: ignore[dict-item]


@pytest.mark.parametrize("value", [2**53, -(2**53), 2**64])
def test_a_record_refuses_integers_outside_the_safe_range_as_the_general_encoding_does(
    value: int,
) -> None:
    with pytest.raises(EncodingError, match="safe range"):
        canonical_json_of_record({"field": value})
    with pytest.raises(EncodingError, match="safe range"):
        canonical_json({"field": value})
