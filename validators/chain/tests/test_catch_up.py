"""Catching up from a peer: the fetch runs beside the engine, never in its way.

A paused peer (SIGSTOP) takes connections and never answers. Fetching missed blocks from it
on the engine's own thread held ticks, round changes and every other peer's messages for the
read timeout, and a network with one paused validator went seconds without a commit.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pytest_django.fixtures import SettingsWrapper

from evcrypto.encoding import canonical_json
from validators.chain import engine
from validators.chain.models import Peer
from validators.chain.store import committed_blocks
from validators.chain.tests.test_peer_endpoints import proposal_by_validator_2, signed_transactions
from validators.core.blocks import build_block
from validators.core.genesis import Genesis
from validators.core.keys import SigningKey
from validators.core.messages import COMMIT, CommittedBlock, ConsensusVote

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fresh_engine(network: Genesis) -> Iterator[None]:
    engine.reset()
    yield
    engine.reset()


def block_one(settings: SettingsWrapper, network: Genesis) -> CommittedBlock:
    """Height 1 as validator-2 and validator-3 committed it while this node was away."""
    parent = committed_blocks.head().block_hash
    block = build_block(network.chain_id, 1, 0, 1000, parent, "validator-2", ())
    votes = []
    for node in ("validator-2", "validator-3"):
        key = SigningKey.load(Path(settings.NETWORK_DIR) / "keys" / f"{node}.key")
        vote = ConsensusVote(COMMIT, 1, 0, block.block_hash, node, "")
        votes.append(
            replace(vote, signature=key.sign(canonical_json(vote.signed_dict(network.chain_id))))
        )
    return CommittedBlock(block, tuple(votes))


@pytest.fixture
def serving(settings: SettingsWrapper, network: Genesis) -> Iterator[str]:
    """A peer whose /peer/blocks holds block 1 (built before the server starts)."""
    page = json.dumps({"blocks": [block_one(settings, network).to_dict()], "height": 1}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    server.server_close()


def test_a_tick_that_asks_a_paused_peer_for_blocks_does_not_wait_for_it(
    stalled: str, fresh_engine: None
) -> None:
    # The first tick asks the validator after this one (validator-2) for missed blocks.
    Peer.objects.create(node_id="validator-2", url=stalled)
    started = time.monotonic()
    engine.tick()
    engine.tick()
    # Waiting for the answer would take the read timeout (10 s) per tick.
    assert time.monotonic() - started < 2
    asking = [t for t in threading.enumerate() if t.name == "catch-up-validator-2"]
    assert len(asking) == 1  # one fetch per peer in flight, however many rounds run out


def test_blocks_a_peer_sends_are_handed_in_by_a_later_tick(
    serving: str, fresh_engine: None
) -> None:
    Peer.objects.create(node_id="validator-2", url=serving)
    engine.tick()  # starts the fetch
    deadline = time.monotonic() + 5
    while engine.node().height == 1 and time.monotonic() < deadline:
        time.sleep(0.05)
        engine.tick()
    assert committed_blocks.head().height == 1
    assert engine.node().height == 2


def test_a_compact_proposal_from_a_paused_proposer_does_not_hold_the_engine(
    stalled: str,
    settings: SettingsWrapper,
    network: Genesis,
    submitter: SigningKey,
    fresh_engine: None,
) -> None:
    """The proposer sent a compact proposal naming a transaction this node never saw, then
    stopped: asking it for that transaction must not keep the engine from ticking."""
    Peer.objects.create(node_id="validator-2", url=stalled)
    tx = signed_transactions(submitter, 1, "e")[0]
    proposal = proposal_by_validator_2(settings, network, [tx])
    started = time.monotonic()
    engine.receive(proposal.to_dict(compact=True))
    engine.receive(proposal.to_dict(compact=True))  # re-sent an interval later
    engine.tick()
    assert time.monotonic() - started < 2  # not the lookup's read timeout (5 s)
    assert [t.name for t in threading.enumerate()].count("lookup-validator-2") == 1
    assert engine.node().state.proposals == {}
