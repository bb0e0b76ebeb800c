"""POST /rpc: JSON-RPC 2.0 calls, and every kind of bad input answered with its own error."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client

from validators.chain import network_config
from validators.chain.models import ChainTransaction, MempoolTransaction
from validators.chain.store import committed_blocks, mempool
from validators.core.blocks import Transaction
from validators.core.keys import SigningKey
from validators.core.messages import CommittedBlock

pytestmark = pytest.mark.django_db


def signed_tx(
    key: SigningKey, voter: str = "voter-a", tx_id: str = "tx-1", payload: str = "ballot"
) -> Transaction:
    tx = Transaction(
        tx_id,
        "election-1",
        voter,
        payload,
        int(time.time() * 1000),
        key.public_key,
        "",
        network_config.genesis().chain_id,
    )
    return Transaction(**{**tx.to_dict(), "signature": key.sign(tx.signing_bytes)})


def call(client: Client, body: Any) -> Any:
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    response = client.post("/rpc", raw, content_type="application/json")
    assert response.status_code == 200
    return response.json()


def send(client: Client, tx: Transaction | dict[str, Any], request_id: int = 1) -> Any:
    params = [tx.to_dict() if isinstance(tx, Transaction) else tx]
    return call(
        client,
        {"jsonrpc": "2.0", "id": request_id, "method": "eth_sendTransaction", "params": params},
    )


def error_code(answer: Any) -> int:
    return answer["error"]["code"]


def test_it_admits_a_signed_transaction_and_returns_its_hash(
    client: Client, submitter: SigningKey
) -> None:
    tx = signed_tx(submitter)
    answer = send(client, tx)
    assert answer == {"jsonrpc": "2.0", "result": tx.tx_hash, "id": 1}
    assert MempoolTransaction.objects.filter(tx_id="tx-1").exists()


def test_a_batch_answers_each_call_in_order(client: Client, submitter: SigningKey) -> None:
    txs = [signed_tx(submitter, f"voter-{i}", f"tx-{i}") for i in range(5)]
    body = [
        {"jsonrpc": "2.0", "id": i, "method": "eth_sendTransaction", "params": [t.to_dict()]}
        for i, t in enumerate(txs)
    ]
    body.append({"jsonrpc": "2.0", "id": 99, "method": "eth_blockNumber", "params": []})
    answers = call(client, body)
    assert [a["id"] for a in answers] == [0, 1, 2, 3, 4, 99]
    assert [a["result"] for a in answers[:5]] == [t.tx_hash for t in txs]
    assert answers[5]["result"] == "0x0"
    assert MempoolTransaction.objects.count() == 5


def test_malformed_json_is_a_parse_error(client: Client, network: object) -> None:
    assert error_code(call(client, b"{not json")) == -32700


@pytest.mark.parametrize(
    "body",
    [
        {"jsonrpc": "1.0", "id": 1, "method": "eth_blockNumber"},
        {"id": 1, "method": "eth_blockNumber"},
        {"jsonrpc": "2.0", "id": 1, "method": 7},
        {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": "x"},
        [],
        b'"just a string"',
    ],
)
def test_an_invalid_request_is_refused(client: Client, network: object, body: Any) -> None:
    assert error_code(call(client, body)) == -32600


def test_an_unknown_method_is_method_not_found(client: Client, network: object) -> None:
    answer = call(client, {"jsonrpc": "2.0", "id": 1, "method": "eth_mine"})
    assert error_code(answer) == -32601


@pytest.mark.parametrize("params", [[], [{"tx_id": "x"}], [{"tx_id": 5}], ["not an object"]])
def test_bad_params_are_invalid_params_and_store_nothing(
    client: Client, network: object, params: Any
) -> None:
    answer = call(
        client, {"jsonrpc": "2.0", "id": 1, "method": "eth_sendTransaction", "params": params}
    )
    assert error_code(answer) == -32602
    assert MempoolTransaction.objects.count() == 0


def test_a_timestamp_beyond_the_canonical_range_is_invalid_params(
    client: Client, submitter: SigningKey
) -> None:
    answer = send(client, {**signed_tx(submitter).to_dict(), "submitted_at_ms": 2**53})
    assert error_code(answer) == -32602
    assert MempoolTransaction.objects.count() == 0


def test_an_oversized_payload_is_refused(client: Client, submitter: SigningKey) -> None:
    answer = send(client, signed_tx(submitter, payload="x" * 2000))  # the test network allows 1 KiB
    assert error_code(answer) == -32005
    assert MempoolTransaction.objects.count() == 0


def test_an_oversized_body_is_refused(client: Client, network: object, settings: Any) -> None:
    settings.RPC_MAX_BODY_BYTES = 100
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": ["x" * 200]}
    response = client.post("/rpc", json.dumps(body), content_type="application/json")
    assert response.status_code == 413
    assert error_code(response.json()) == -32600
    assert "too large" in response.json()["error"]["message"]


def test_a_forged_signature_is_refused(client: Client, submitter: SigningKey) -> None:
    tx = signed_tx(submitter)
    forged = {**tx.to_dict(), "voter_pseudonym": "someone-else"}
    answer = send(client, forged)
    assert error_code(answer) == -32002
    assert answer["error"]["data"] == {"reason": "bad_signature"}
    assert MempoolTransaction.objects.count() == 0


def test_a_missing_signature_is_refused(client: Client, submitter: SigningKey) -> None:
    answer = send(client, {**signed_tx(submitter).to_dict(), "signature": ""})
    assert error_code(answer) == -32002
    assert MempoolTransaction.objects.count() == 0


def test_a_submitter_not_in_genesis_is_unauthorised(client: Client, network: object) -> None:
    answer = send(client, signed_tx(SigningKey.generate()))
    assert error_code(answer) == -32001
    assert MempoolTransaction.objects.count() == 0


def test_a_replayed_transaction_is_a_duplicate(client: Client, submitter: SigningKey) -> None:
    tx = signed_tx(submitter)
    send(client, tx)
    answer = send(client, tx, request_id=2)
    assert error_code(answer) == -32003
    assert MempoolTransaction.objects.count() == 1


def test_a_second_ballot_for_the_same_voter_is_refused(
    client: Client, submitter: SigningKey
) -> None:
    send(client, signed_tx(submitter, "voter-a", "tx-1"))
    answer = send(client, signed_tx(submitter, "voter-a", "tx-2"), request_id=2)
    assert error_code(answer) == -32004
    assert list(MempoolTransaction.objects.values_list("tx_id", flat=True)) == ["tx-1"]


def test_a_voter_already_on_chain_cannot_be_admitted_again(
    client: Client, submitter: SigningKey
) -> None:
    from validators.core.blocks import build_block

    head = committed_blocks.head()
    tx = signed_tx(submitter, "voter-a", "tx-1")
    block = build_block(
        network_config.genesis().chain_id, 1, 0, 1000, head.block_hash, "validator-2", (tx,)
    )
    committed_blocks.store(CommittedBlock(block, ()))
    answer = send(client, signed_tx(submitter, "voter-a", "tx-2"))
    assert error_code(answer) == -32004
    assert answer["error"]["data"] == {"reason": "duplicate_voter"}


def test_receipts_and_lookups_follow_the_transaction(client: Client, submitter: SigningKey) -> None:
    from validators.core.blocks import build_block

    tx = signed_tx(submitter)
    send(client, tx)
    pending = call(
        client,
        {"jsonrpc": "2.0", "id": 1, "method": "eth_getTransactionByHash", "params": [tx.tx_hash]},
    )
    assert pending["result"]["blockNumber"] is None
    receipt = {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "eth_getTransactionReceipt",
        "params": [tx.tx_hash],
    }
    assert call(client, receipt)["result"] is None
    block = build_block(
        network_config.genesis().chain_id,
        1,
        0,
        1000,
        committed_blocks.head().block_hash,
        "validator-2",
        (tx,),
    )
    committed_blocks.store(CommittedBlock(block, ()))
    answer = call(client, receipt)["result"]
    assert answer["blockNumber"] == "0x1" and answer["blockHash"] == block.block_hash
    assert ChainTransaction.objects.count() == 1 and MempoolTransaction.objects.count() == 0
    by_number = call(
        client,
        {"jsonrpc": "2.0", "id": 3, "method": "eth_getBlockByNumber", "params": ["0x1", True]},
    )
    assert by_number["result"]["transactions"][0]["tx_id"] == "tx-1"
    latest = call(
        client,
        {"jsonrpc": "2.0", "id": 4, "method": "eth_getBlockByNumber", "params": ["latest", False]},
    )
    assert latest["result"]["transactions"] == [tx.tx_hash]
    bad = call(
        client, {"jsonrpc": "2.0", "id": 5, "method": "eth_getBlockByNumber", "params": ["zz"]}
    )
    assert error_code(bad) == -32602


def test_a_full_mempool_refuses_the_rest_of_a_batch(
    client: Client, submitter: SigningKey, settings: Any
) -> None:
    settings.MEMPOOL_MAX_BLOCKS = 1
    network_config.genesis.cache_clear()
    full = network_config.genesis().max_block_txs
    txs = [signed_tx(submitter, f"voter-{i}", f"tx-{i}") for i in range(full + 2)]
    assert mempool.admit_transactions(txs[:full]) == [None] * full

    answers = call(
        client,
        [
            {"jsonrpc": "2.0", "id": i, "method": "eth_sendTransaction", "params": [tx.to_dict()]}
            for i, tx in enumerate(txs[full:])
        ],
    )

    assert [error_code(a) for a in answers] == [-32006, -32006]
    assert answers[0]["error"]["data"] == {"reason": "mempool_full"}
    assert MempoolTransaction.objects.count() == full
