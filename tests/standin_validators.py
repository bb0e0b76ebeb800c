"""Validators that serve a certified chain over HTTP on 127.0.0.1, for tests of what reads the
chain (the tally, the trustee command) without running consensus.

Genesis and keys are generated as `make_genesis` does; every block is built and certified
(q COMMIT signatures with the validators' keys) exactly as the network would commit it, and
served at GET /peer/blocks like a real node. Each stand-in can then be made to lie: drop a
ballot, add one, forge a certificate, or be down. The integration tier runs real validators.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from evcrypto.encoding import canonical_json
from validators.chain.network_files import NetworkParameters, create_network, key_path
from validators.core.blocks import Transaction, build_block, genesis_hash, merkle_root
from validators.core.genesis import Genesis
from validators.core.keys import SigningKey
from validators.core.messages import COMMIT, CommittedBlock, ConsensusVote
from validators.core.rules import ConsensusConfig


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class StandIn:
    """One validator's HTTP face: the committed blocks it serves, as wire dicts."""

    node_id: str
    port: int
    blocks: list[dict[str, Any]] = field(default_factory=list)
    down: bool = False
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self) -> None:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if standin.down:
                    self.send_error(503)
                    return
                url = urlparse(self.path)
                query = parse_qs(url.query)
                if url.path != "/peer/blocks":
                    self.send_error(404)
                    return
                start = int(query.get("from", ["1"])[0])
                limit = int(query.get("limit", ["50"])[0])
                page = standin.blocks[start - 1 : start - 1 + limit]
                body = json.dumps({"blocks": page, "height": len(standin.blocks)})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass
class StandInNetwork:
    network_dir: Path
    size: int = 3
    nodes: dict[str, StandIn] = field(default_factory=dict)
    genesis: Genesis | None = None
    keys: dict[str, SigningKey] = field(default_factory=dict)
    committed: list[CommittedBlock] = field(default_factory=list)

    def start(self) -> StandInNetwork:
        ports = [_free_port() for _ in range(self.size)]
        params = NetworkParameters(
            validator_urls=tuple(f"http://127.0.0.1:{port}" for port in ports),
            block_interval_ms=1000,
            max_block_txs=5000,
            max_payload_bytes=1 << 20,
            bootnode_url="http://127.0.0.1:9",
        )
        self.genesis = create_network(self.network_dir, params)
        for info, port in zip(self.genesis.validators, ports, strict=True):
            self.keys[info.id] = SigningKey.load(key_path(self.network_dir, info.id))
            self.nodes[info.id] = StandIn(info.id, port)
            self.nodes[info.id].serve()
        return self

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop()

    @property
    def submitter(self) -> SigningKey:
        return SigningKey.load(key_path(self.network_dir, "backend"))

    def url(self, node_id: str) -> str:
        return self.nodes[node_id].url

    def transaction(self, tx_id: str, election_id: str, voter: str, payload: str) -> Transaction:
        key = self.submitter
        assert self.genesis is not None
        tx = Transaction(
            tx_id, election_id, voter, payload, 1, key.public_key, "", self.genesis.chain_id
        )
        return replace(tx, signature=key.sign(tx.signing_bytes))

    def commit(self, transactions: list[Transaction]) -> int:
        """Commit one block holding `transactions` on every stand-in; its height."""
        assert self.genesis is not None
        config = ConsensusConfig.from_genesis(self.genesis)
        height = len(self.committed) + 1
        parent = self.committed[-1] if self.committed else None
        block = build_block(
            self.genesis.chain_id,
            height,
            0,
            1000 * height,
            parent.block.block_hash if parent else genesis_hash(self.genesis.to_dict()),
            config.proposer_for(height, 0),
            tuple(transactions),
            tuple(v.to_dict() for v in parent.certificate) if parent else (),
        )
        signers = list(self.keys)[: self.genesis.quorum]
        committed = CommittedBlock(
            block, tuple(self.commit_vote(block.block_hash, height, v) for v in signers)
        )
        self.committed.append(committed)
        for node in self.nodes.values():
            node.blocks.append(committed.to_dict())
        return height

    def commit_vote(self, block_hash: str, height: int, validator: str) -> ConsensusVote:
        assert self.genesis is not None
        vote = ConsensusVote(COMMIT, height, 0, block_hash, validator, "")
        signed = canonical_json(vote.signed_dict(self.genesis.chain_id))
        return replace(vote, signature=self.keys[validator].sign(signed))

    # ------------------------------------------------------------------ lies

    def add_transaction(self, node_id: str, height: int, tx: Transaction) -> None:
        """The node serves block `height` with one more transaction than was certified, its
        header's count and transaction root made to match (so only the certificate can
        tell)."""
        block = self.nodes[node_id].blocks[height - 1]["block"]
        block["transactions"].append(tx.to_dict())
        hashes = [Transaction.from_dict(t).tx_hash for t in block["transactions"]]
        block["header"]["tx_count"] = len(hashes)
        block["header"]["tx_root"] = merkle_root(hashes)

    def drop_transaction(self, node_id: str, height: int, index: int = 0) -> None:
        """The node serves block `height` without one of its certified transactions."""
        del self.nodes[node_id].blocks[height - 1]["block"]["transactions"][index]

    def truncate(self, node_id: str, height: int) -> None:
        """The node serves only blocks below `height` (a lagging or withholding node)."""
        del self.nodes[node_id].blocks[height - 1 :]

    def forge_certificate(self, node_id: str, height: int) -> None:
        """The node serves block `height` certified by a key that is not a validator's."""
        entry = self.nodes[node_id].blocks[height - 1]
        forger = SigningKey.generate()
        for vote in entry["certificate"]:
            assert self.genesis is not None
            unsigned = ConsensusVote(COMMIT, height, 0, vote["block_hash"], vote["validator"], "")
            vote["signature"] = forger.sign(
                canonical_json(unsigned.signed_dict(self.genesis.chain_id))
            )
