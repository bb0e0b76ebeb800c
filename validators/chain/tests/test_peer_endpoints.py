"""Peer endpoints: bad consensus messages are refused at the door; evidence is kept."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import SettingsWrapper

from evcrypto.encoding import canonical_json
from validators.chain import engine, network_config, tasks
from validators.chain.models import ConsensusState, Evidence, InboundMessage
from validators.chain.store import committed_blocks, mempool
from validators.core.blocks import Transaction, build_block
from validators.core.genesis import Genesis
from validators.core.keys import SigningKey
from validators.core.messages import PREPARE, ConsensusVote, Proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_engine(network: Genesis) -> Iterator[None]:
    engine.reset()
    yield
    engine.reset()


def signed_vote(
    settings: SettingsWrapper, genesis: Genesis, validator: str, block_hash: str
) -> ConsensusVote:
    key = SigningKey.load(Path(settings.NETWORK_DIR) / "keys" / f"{validator}.key")
    vote = ConsensusVote(PREPARE, 1, 0, block_hash, validator, "")
    return replace(vote, signature=key.sign(canonical_json(vote.signed_dict(genesis.chain_id))))


def test_a_malformed_message_is_a_400(client: Client, network: Genesis) -> None:
    response = client.post("/peer/message", b"{}", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_message"


def test_a_message_with_a_bad_signature_is_a_403(
    client: Client, network: Genesis, settings: SettingsWrapper
) -> None:
    vote = replace(signed_vote(settings, network, "validator-2", "aa" * 32), block_hash="bb" * 32)
    response = client.post("/peer/message", vote.to_dict(), content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "signature is not by a validator in genesis",
        "code": "bad_signature",
    }


def test_conflicting_votes_from_a_peer_are_kept_as_evidence(
    network: Genesis, settings: SettingsWrapper, fresh_engine: None
) -> None:
    engine.handle_message(signed_vote(settings, network, "validator-2", "aa" * 32))
    engine.handle_message(signed_vote(settings, network, "validator-2", "bb" * 32))
    evidence = Evidence.objects.get()
    assert (evidence.validator, evidence.height, evidence.round, evidence.phase) == (
        "validator-2",
        1,
        0,
        PREPARE,
    )
    assert {evidence.first["block_hash"], evidence.second["block_hash"]} == {"aa" * 32, "bb" * 32}


def test_a_tick_records_the_engine_position(network: Genesis, fresh_engine: None) -> None:
    engine.tick()
    state = ConsensusState.objects.get()
    assert (state.height, state.updated_at is not None) == (1, True)


def test_peer_blocks_refuses_a_bad_range(client: Client, network: Genesis) -> None:
    response = client.get("/peer/blocks", {"from": "x"})
    assert response.status_code == 400
    assert response.json()["code"] == "bad_range"


def chain_id() -> str:
    return network_config.genesis().chain_id


def signed_transactions(submitter: SigningKey, count: int, payload: str) -> list[Transaction]:
    txs = []
    for i in range(count):
        tx = Transaction(
            f"tx-{i}", "e-1", f"voter-{i}", payload, 1, submitter.public_key, "", chain_id()
        )
        txs.append(Transaction(**{**tx.to_dict(), "signature": submitter.sign(tx.signing_bytes)}))
    return txs


def proposal_by_validator_2(
    settings: SettingsWrapper, network: Genesis, txs: list[Transaction]
) -> Proposal:
    head = committed_blocks.head()
    block = build_block(
        network.chain_id, 1, 0, engine.now_ms(), head.block_hash, "validator-2", tuple(txs)
    )
    unsigned = Proposal(1, 0, block, "validator-2", "")
    key = SigningKey.load(Path(settings.NETWORK_DIR) / "keys" / "validator-2.key")
    return replace(
        unsigned, signature=key.sign(canonical_json(unsigned.signed_dict(network.chain_id)))
    )


def test_a_proposal_reaches_the_engine_through_the_database_as_received(
    client: Client,
    network: Genesis,
    settings: SettingsWrapper,
    submitter: SigningKey,
    fresh_engine: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # about 150 kB: above the size that travels inside a Celery message
    txs = signed_transactions(submitter, 200, "b" * 500)
    proposal = proposal_by_validator_2(settings, network, txs)
    queued: list[int] = []
    monkeypatch.setattr(tasks.receive_stored_message, "delay_on_commit", queued.append)

    response = client.post("/peer/message", proposal.to_dict(), content_type="application/json")

    assert response.status_code == 202
    assert queued == [InboundMessage.objects.get().id]
    tasks.receive_stored_message(queued[0])  # what the worker runs
    assert not InboundMessage.objects.exists()
    assert engine.node().state.proposals[0].block_hash == proposal.block_hash


def test_a_compact_proposal_is_filled_in_from_the_mempool(
    network: Genesis, settings: SettingsWrapper, submitter: SigningKey, fresh_engine: None
) -> None:
    txs = signed_transactions(submitter, 20, "c" * 100)
    assert mempool.admit_transactions(txs) == [None] * 20  # as gossip would have brought them
    proposal = proposal_by_validator_2(settings, network, txs)

    tasks.receive_message(proposal.to_dict(compact=True))

    accepted = engine.node().state.proposals[0]
    assert accepted.block_hash == proposal.block_hash
    assert accepted.block.transactions == tuple(txs)


def test_a_compact_proposal_naming_a_transaction_nobody_gives_is_not_accepted(
    network: Genesis,
    settings: SettingsWrapper,
    submitter: SigningKey,
    fresh_engine: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    txs = signed_transactions(submitter, 5, "d")
    mempool.admit_transactions(txs[:4])  # the fifth never reached this node; its proposer is down
    proposal = proposal_by_validator_2(settings, network, txs)

    with caplog.at_level("INFO", logger="validators.consensus"):
        tasks.receive_message(proposal.to_dict(compact=True))
        # The proposer is asked in a thread of its own; a later tick hands in its answer.
        deadline = time.monotonic() + 5
        while "proposal incomplete" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.02)
            engine.tick()

    assert engine.node().state.proposals == {}
    assert "proposal incomplete from=validator-2 height=1 round=0 missing=1" in caplog.text
    assert engine.node().last_signed is None  # no PREPARE for a block it could not check


def test_a_rival_compact_proposal_nobody_can_fill_in_is_kept_as_evidence(
    network: Genesis, settings: SettingsWrapper, submitter: SigningKey, fresh_engine: None
) -> None:
    txs = signed_transactions(submitter, 3, "f")
    mempool.admit_transactions(txs[:2])
    accepted = proposal_by_validator_2(settings, network, txs[:2])
    tasks.receive_message(accepted.to_dict(compact=True))
    rival = proposal_by_validator_2(settings, network, txs)  # names one tx this node never saw

    tasks.receive_message(rival.to_dict(compact=True))
    deadline = time.monotonic() + 5  # the proposer is asked first, in a thread of its own
    while not Evidence.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
        engine.tick()

    evidence = Evidence.objects.get()
    assert (evidence.validator, evidence.height, evidence.round, evidence.phase) == (
        "validator-2",
        1,
        0,
        "PROPOSAL",
    )
    assert evidence.second["block"]["header"]["tx_count"] == 3
    assert engine.node().state.proposals[0].block_hash == accepted.block_hash


def test_a_compact_proposal_with_a_bad_hash_list_is_logged_and_dropped(
    network: Genesis,
    settings: SettingsWrapper,
    submitter: SigningKey,
    fresh_engine: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = proposal_by_validator_2(settings, network, []).to_dict(compact=True)
    data["block"]["tx_hashes"] = "not a list"

    with caplog.at_level("INFO", logger="validators.consensus"):
        tasks.receive_message(data)

    assert engine.node().state.proposals == {}
    assert "reason=malformed: tx_hashes must be a list of strings" in caplog.text


def test_a_compact_proposal_naming_more_than_a_block_holds_is_dropped_unread(
    network: Genesis,
    settings: SettingsWrapper,
    fresh_engine: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = proposal_by_validator_2(settings, network, []).to_dict(compact=True)
    data["block"]["tx_hashes"] = ["0x" + "ab" * 32] * (network.max_block_txs + 1)

    with caplog.at_level("INFO", logger="validators.consensus"):
        tasks.receive_message(data)

    assert engine.node().state.proposals == {}
    assert "reason=malformed: a block holds at most 5000 transactions" in caplog.text


def test_the_lookup_gives_the_transactions_held_among_those_asked_for(
    client: Client, network: Genesis, submitter: SigningKey
) -> None:
    txs = signed_transactions(submitter, 3, "e")
    mempool.admit_transactions(txs)
    asked = [txs[2].tx_hash, "0x" + "00" * 32, txs[0].tx_hash]

    response = client.post(
        "/peer/transactions/lookup", {"hashes": asked}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json() == {"transactions": [txs[2].to_dict(), txs[0].to_dict()]}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"hashes": "0xab"}, "malformed_lookup"),
        ({"hashes": [1, 2]}, "malformed_lookup"),
        ([], "malformed_lookup"),
        ({"hashes": ["0x00"] * 5001}, "too_many_hashes"),
    ],
)
def test_a_bad_lookup_is_a_400(client: Client, network: Genesis, body: object, code: str) -> None:
    response = client.post("/peer/transactions/lookup", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == code


@pytest.mark.parametrize("field", ["height", "round"])
def test_an_integer_beyond_the_canonical_range_is_a_400(
    client: Client, network: Genesis, settings: SettingsWrapper, field: str
) -> None:
    vote = signed_vote(settings, network, "validator-2", "aa" * 32).to_dict()
    vote[field] = 2**53
    response = client.post("/peer/message", vote, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_message"


def test_a_round_change_prepared_beyond_the_canonical_range_is_a_400(
    client: Client, network: Genesis
) -> None:
    round_change = {
        "type": "ROUND_CHANGE",
        "height": 1,
        "round": 1,
        "validator": "validator-2",
        "prepared_round": -(2**53),
        "prepared_hash": "",
        "signature": "00",
    }
    response = client.post("/peer/message", round_change, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_message"
