"""One field reader, three wordings: each format's messages are the ones its callers know."""

from __future__ import annotations

from typing import Any

import pytest

from validators.bootnode.errors import MalformedMessage
from validators.bootnode.messages import parse_heartbeat
from validators.core.blocks import MalformedError, Transaction
from validators.core.genesis import GenesisError, genesis_from_dict
from validators.core.messages import RoundChange

TRANSACTION = {
    "tx_id": "tx-1",
    "election_id": "e-1",
    "voter_pseudonym": "v-1",
    "payload": "ballot",
    "submitted_at_ms": 1,
    "submitter_key": "ab",
    "signature": "cd",
    "chain_id": "c",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tx_id": 7}, "tx_id must be a string"),
        ({"tx_id": "no spaces"}, "tx_id has a bad format"),
        ({"submitted_at_ms": -1}, "submitted_at_ms must be a non-negative integer"),
        ({"submitted_at_ms": True}, "submitted_at_ms must be a non-negative integer"),
        ({"payload": None}, "payload must be a string"),
    ],
)
def test_a_wire_field_names_itself_and_what_it_must_be(
    change: dict[str, Any], message: str
) -> None:
    with pytest.raises(MalformedError, match=f"^{message}$"):
        Transaction.from_dict({**TRANSACTION, **change})


def test_a_prepared_round_may_be_negative_but_must_be_an_integer() -> None:
    data = {"type": "ROUND_CHANGE", "prepared_round": "1"}
    with pytest.raises(MalformedError, match="^prepared_round must be an integer$"):
        RoundChange.from_dict(data)


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (b'{"timestamp_ms": 1, "signature": "s"}', "missing_field", "field 'node_id' is required"),
        (
            b'{"node_id": "", "timestamp_ms": 1, "signature": "s"}',
            "invalid_field",
            "field 'node_id' must be a non-empty string",
        ),
        (
            b'{"node_id": "n", "timestamp_ms": 1.5, "signature": "s"}',
            "invalid_field",
            "field 'timestamp_ms' must be an integer",
        ),
    ],
)
def test_a_bootnode_field_has_a_code_and_names_itself(body: bytes, code: str, message: str) -> None:
    with pytest.raises(MalformedMessage) as raised:
        parse_heartbeat(body)
    assert (raised.value.code, raised.value.detail) == (code, message)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quorum": "2"}, "genesis field 'quorum' must be int"),
        ({"quorum": True}, "genesis field 'quorum' must be int"),
        ({"chain_id": None}, "genesis field 'chain_id' must be str"),
        ({"validators": {}}, "genesis field 'validators' must be list"),
    ],
)
def test_a_genesis_field_is_named_with_its_type(change: dict[str, Any], message: str) -> None:
    document = {
        "chain_id": "c",
        "block_interval_ms": 1000,
        "quorum": 1,
        "max_block_txs": 10,
        "max_payload_bytes": 100,
        "bootnode_url": "http://127.0.0.1:9",
        "validators": [{"id": "v", "url": "http://127.0.0.1:9", "public_key": "ab"}],
        "submitters": [],
    }
    with pytest.raises(GenesisError, match=f"^{message}$"):
        genesis_from_dict({**document, **change})
