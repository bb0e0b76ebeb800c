"""Attacks on a validator node's HTTP side: oversized bodies and batches, bodies nested past
the parser's depth, absurd block numbers, and asking for costly work on every request."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from pytest_django.fixtures import SettingsWrapper

from evcrypto.encoding import canonical_json
from validators.bootnode.messages import registration_bytes
from validators.chain import tasks, verification, views
from validators.chain.membership import accept_registration
from validators.chain.models import MempoolTransaction, Peer
from validators.chain.peers import peer_urls
from validators.chain.store import committed_blocks
from validators.core.blocks import Block, Transaction, build_block
from validators.core.genesis import Genesis
from validators.core.keys import SigningKey
from validators.core.messages import COMMIT, PREPARE, CommittedBlock, ConsensusVote, Proposal

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000


def rpc(client: Client, body: object) -> object:
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post("/rpc", raw, content_type="application/json")


def call(method: str, *params: object, request_id: int = 1) -> dict[str, object]:
    return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)}


def test_a_batch_over_the_limit_is_refused_whole(
    client: Client, network: Genesis, settings: SettingsWrapper
) -> None:
    settings.RPC_MAX_BATCH = 10
    answer = rpc(client, [call("eth_blockNumber", request_id=i) for i in range(11)]).json()
    assert answer["error"]["code"] == -32600 and "at most 10" in answer["error"]["message"]


def test_a_body_declared_over_the_limit_is_a_413_before_it_is_read(
    client: Client, network: Genesis, settings: SettingsWrapper
) -> None:
    settings.RPC_MAX_BODY_BYTES = 1000
    response = rpc(client, json.dumps([call("eth_blockNumber")] * 100))
    assert response.status_code == 413
    assert response.json()["error"]["message"] == "request body too large"


def test_json_nested_past_the_parser_is_a_parse_error_not_a_500(
    client: Client, network: Genesis
) -> None:
    response = rpc(client, DEEP)
    assert response.status_code == 200 and response.json()["error"]["code"] == -32700
    peer = client.post("/peer/message", DEEP, content_type="application/json")
    assert peer.status_code == 400


@pytest.mark.parametrize("number", ["0x" + "f" * 40, 2**70, -1])
def test_an_absurd_block_number_is_invalid_params_not_a_500(
    client: Client, network: Genesis, number: object
) -> None:
    answer = rpc(client, call("eth_getBlockByNumber", number, False)).json()
    assert answer["error"]["code"] == -32602


def test_peer_blocks_pages_are_bounded_and_their_start_checked(
    client: Client, network: Genesis
) -> None:
    assert client.get("/peer/blocks", {"from": str(2**70)}).status_code == 400
    assert client.get("/peer/blocks", {"from": "1", "limit": "100000"}).status_code == 200


def test_the_whole_chain_is_verified_again_only_when_it_grows(
    client: Client, network: Genesis, monkeypatch: pytest.MonkeyPatch
) -> None:
    walks: list[int] = []
    real = verification.verify_whole_chain
    monkeypatch.setattr(verification, "_last", None)
    monkeypatch.setattr(
        verification,
        "verify_whole_chain",
        lambda: walks.append(1) or real(),  # type: ignore[func-returns-value]
    )
    for _ in range(5):
        assert client.get("/blockchain", {"election_id": "e"}).status_code == 200
    assert walks == [1]


def test_a_transaction_signed_for_another_chain_is_refused(
    client: Client, submitter: SigningKey
) -> None:
    tx = Transaction("tx-1", "election-1", "voter-a", "ballot", 1, submitter.public_key, "", "x")
    signed = replace(tx, signature=submitter.sign(tx.signing_bytes))
    answer = rpc(client, call("eth_sendTransaction", signed.to_dict())).json()
    assert answer["error"]["code"] == -32007
    assert answer["error"]["data"]["reason"] == "wrong_chain"
    assert not MempoolTransaction.objects.exists()


def test_a_transaction_signature_names_its_kind_and_its_chain(submitter: SigningKey) -> None:
    tx = Transaction("tx-1", "e", "v", "p", 1, submitter.public_key, "", "chain-a")
    signed = json.loads(tx.signing_bytes)
    assert signed["domain"] == "evoting/transaction/v1" and signed["chain_id"] == "chain-a"
    other = replace(tx, chain_id="chain-b")
    assert other.signing_bytes != tx.signing_bytes and other.tx_hash != tx.tx_hash


def registration_entry(
    signer: SigningKey, node_id: str, url: str, stamp: int, chain_id: str
) -> dict[str, object]:
    key = signer.public_key
    signature = signer.sign(registration_bytes(chain_id, node_id, url, key, stamp))
    return {"node_id": node_id, "url": url, "timestamp_ms": stamp, "signature": signature}


def test_discovery_answers_are_taken_only_with_the_peers_own_newer_signature(
    network: Genesis, settings: SettingsWrapper
) -> None:
    """Whoever answers for the bootnode cannot point a peer's traffic elsewhere."""
    bob = SigningKey.load(Path(settings.NETWORK_DIR) / "keys" / "validator-2.key")
    chain = network.chain_id
    forged = registration_entry(SigningKey.generate(), "validator-2", "http://evil:1", 10, chain)
    assert not accept_registration(network, forged)
    other_chain = registration_entry(bob, "validator-2", "http://evil:1", 10, "another-chain")
    assert not accept_registration(network, other_chain)
    assert accept_registration(
        network, registration_entry(bob, "validator-2", "http://moved:8002", 20, chain)
    )
    replayed_older = registration_entry(bob, "validator-2", "http://old:8002", 15, chain)
    assert not accept_registration(network, replayed_older)
    assert peer_urls(exclude="validator-1")["validator-2"] == "http://moved:8002"


# ------------------------------------------------------------------ replays on /peer/message


def validator_key(settings: SettingsWrapper, node_id: str) -> SigningKey:
    return SigningKey.load(Path(settings.NETWORK_DIR) / "keys" / f"{node_id}.key")


def signed(settings: SettingsWrapper, message: Any, chain_id: str) -> Any:
    key = validator_key(settings, message.validator)
    return replace(message, signature=key.sign(canonical_json(message.signed_dict(chain_id))))


def commit_votes(
    settings: SettingsWrapper, block: Block, chain_id: str
) -> tuple[ConsensusVote, ...]:
    return tuple(
        signed(
            settings, ConsensusVote(COMMIT, block.height, 0, block.block_hash, node, ""), chain_id
        )
        for node in ("validator-1", "validator-2")
    )


@pytest.fixture
def two_blocks(network: Genesis, settings: SettingsWrapper) -> tuple[ConsensusVote, ...]:
    """Blocks 1 and 2 committed, each with its certificate (which /peer/blocks publishes).
    Returns block 1's."""
    chain = network.chain_id
    first = build_block(chain, 1, 0, 1000, committed_blocks.head().block_hash, "validator-2", ())
    certificate = commit_votes(settings, first, chain)
    committed_blocks.store(CommittedBlock(first, certificate))
    second = build_block(
        chain,
        2,
        0,
        2000,
        first.block_hash,
        "validator-3",
        (),
        tuple(v.to_dict() for v in certificate),
    )
    committed_blocks.store(CommittedBlock(second, commit_votes(settings, second, chain)))
    return certificate


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What the web process hands to the worker's consensus engine."""
    handed: list[dict[str, Any]] = []
    monkeypatch.setattr(tasks.receive_message, "delay", handed.append)
    monkeypatch.setattr(views, "_heard", {})
    cache.clear()
    return handed


def post_message(client: Client, data: dict[str, Any]) -> Any:
    return client.post("/peer/message", data, content_type="application/json")


def test_a_replayed_certificate_vote_is_dropped_before_the_queue(
    client: Client, two_blocks: tuple[ConsensusVote, ...], queued: list[dict[str, Any]]
) -> None:
    published = client.get("/peer/blocks", {"from": "1"}).json()["blocks"][0]
    replay = published["certificate"][1]
    assert replay == two_blocks[1].to_dict()

    response = post_message(client, replay)

    assert response.status_code == 200
    assert response.json() == {"accepted": False, "code": "stale_height"}
    assert queued == []
    assert not Peer.objects.filter(last_heard_at__isnull=False).exists()  # not "heard" either


def test_a_late_commit_for_the_head_still_reaches_the_engine(
    client: Client,
    network: Genesis,
    settings: SettingsWrapper,
    two_blocks: tuple[ConsensusVote, ...],
    queued: list[dict[str, Any]],
) -> None:
    head = committed_blocks.head()
    late = signed(
        settings, ConsensusVote(COMMIT, 2, 0, head.block_hash, "validator-3", ""), network.chain_id
    )
    assert post_message(client, late.to_dict()).status_code == 202
    prepare = signed(
        settings, ConsensusVote(PREPARE, 2, 0, head.block_hash, "validator-3", ""), network.chain_id
    )
    assert post_message(client, prepare.to_dict()).json()["code"] == "stale_height"
    assert queued == [late.to_dict()]


def test_a_flood_from_one_validator_is_cut_at_its_rate_and_spares_the_others(
    client: Client,
    network: Genesis,
    settings: SettingsWrapper,
    queued: list[dict[str, Any]],
) -> None:
    settings.PEER_MESSAGE_RATE = "3/h"
    chain = network.chain_id
    flood = [
        signed(settings, ConsensusVote(PREPARE, 1, round_, "ab" * 32, "validator-2", ""), chain)
        for round_ in range(5)
    ]
    statuses = [post_message(client, vote.to_dict()).status_code for vote in flood]
    other = signed(settings, ConsensusVote(PREPARE, 1, 0, "ab" * 32, "validator-3", ""), chain)

    assert statuses == [202, 202, 202, 429, 429]
    assert post_message(client, other.to_dict()).status_code == 202
    assert len(queued) == 4


def test_a_forged_message_does_not_spend_a_validators_allowance(
    client: Client,
    network: Genesis,
    settings: SettingsWrapper,
    queued: list[dict[str, Any]],
) -> None:
    settings.PEER_MESSAGE_RATE = "1/h"
    chain = network.chain_id
    genuine = signed(settings, ConsensusVote(PREPARE, 1, 0, "ab" * 32, "validator-2", ""), chain)
    forged = replace(genuine, block_hash="cd" * 32)  # the signature no longer covers it
    for _ in range(3):
        assert post_message(client, forged.to_dict()).status_code == 403
    assert post_message(client, genuine.to_dict()).status_code == 202


@pytest.mark.parametrize("compact", [False, True])
def test_a_captured_proposal_cannot_carry_another_body(
    client: Client,
    network: Genesis,
    settings: SettingsWrapper,
    submitter: SigningKey,
    queued: list[dict[str, Any]],
    compact: bool,
) -> None:
    chain = network.chain_id
    txs = []
    for i in range(3):
        tx = Transaction(
            f"tx-{i}", "e-1", f"voter-{i}", "ballot", 1, submitter.public_key, "", chain
        )
        txs.append(replace(tx, signature=submitter.sign(tx.signing_bytes)))
    block = build_block(
        chain, 1, 0, 5000, committed_blocks.head().block_hash, "validator-2", tuple(txs)
    )
    captured = signed(settings, Proposal(1, 0, block, "validator-2", ""), chain)
    junk = replace(block, transactions=(txs[0], txs[1], txs[1]))  # same header, other body
    wire = replace(captured, block=junk).to_dict(compact=compact)

    response = post_message(client, wire)

    assert response.status_code == 400
    assert response.json()["code"] == "body_mismatch"
    assert "tx_root does not match" in response.json()["detail"]
    assert queued == []
    assert post_message(client, captured.to_dict(compact=compact)).status_code == 202
