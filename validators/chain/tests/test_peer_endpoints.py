"""Peer endpoints: bad consensus messages are refused at the door; evidence is kept."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import SettingsWrapper

from validators.chain import engine, store, tasks
from validators.chain.models import ConsensusState, Evidence, InboundMessage
from validators.core.blocks import Transaction, build_block
from validators.core.encoding import canonical_bytes
from validators.core.genesis import Genesis
from validators.core.keys import SigningKey
from validators.core.messages import PREPARE, Proposal, Vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_engine(network: Genesis) -> Iterator[None]:
    engine.reset()
    yield
    engine.reset()


def signed_vote(
    settings: SettingsWrapper, genesis: Genesis, validator: str, block_hash: str
) -> Vote:
    key = SigningKey.load(Path(settings.NETWORK_DIR) / "keys" / f"{validator}.key")
    vote = Vote(PREPARE, 1, 0, block_hash, validator, "")
    return replace(vote, signature=key.sign(canonical_bytes(vote.signed_dict(genesis.chain_id))))


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


def test_a_proposal_reaches_the_engine_through_the_database_as_received(
    client: Client,
    network: Genesis,
    settings: SettingsWrapper,
    submitter: SigningKey,
    fresh_engine: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    txs = []
    for i in range(200):  # about 150 kB: above the size that travels inside a Celery message
        tx = Transaction(f"tx-{i}", "e-1", f"voter-{i}", "b" * 500, 1, submitter.public_key, "")
        txs.append(Transaction(**{**tx.to_dict(), "signature": submitter.sign(tx.signing_bytes)}))
    head = store.head()
    block = build_block(
        network.chain_id, 1, 0, engine.now_ms(), head.block_hash, "validator-2", tuple(txs)
    )
    unsigned = Proposal(1, 0, block, "validator-2", "")
    key = SigningKey.load(Path(settings.NETWORK_DIR) / "keys" / "validator-2.key")
    proposal = replace(
        unsigned, signature=key.sign(canonical_bytes(unsigned.signed_dict(network.chain_id)))
    )
    queued: list[int] = []
    monkeypatch.setattr(tasks.deliver_stored_message, "delay_on_commit", queued.append)

    response = client.post("/peer/message", proposal.to_dict(), content_type="application/json")

    assert response.status_code == 202
    assert queued == [InboundMessage.objects.get().id]
    tasks.deliver_stored_message(queued[0])  # what the worker runs
    assert not InboundMessage.objects.exists()
    assert engine.node().state.proposals[0].block_hash == block.block_hash
