"""A fake validator network for unit tests of the network client: in-memory validators that
apply the real admission rules (signature, one transaction per id and per voter) and
commit when told. It replaces only the HTTP layer (apps.network.client._post/_get); the
integration tests start real validators instead."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from validators.core.blocks import (
    BlockHeader,
    MalformedError,
    Transaction,
    build_block,
    transaction_error,
)
from validators.core.genesis import Genesis


def http_response(status: int, body: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    return response


@dataclass
class FakeNetwork:
    genesis: Genesis
    # node id -> "up" | "down" | "timeout" | "500" | "slow"
    modes: dict[str, str] = field(default_factory=dict)
    health_status: dict[str, str] = field(default_factory=dict)  # what /health says
    lagging: dict[str, int] = field(default_factory=dict)  # blocks behind the chain
    forked: set[str] = field(default_factory=set)  # nodes whose last hash differs
    mempool: dict[str, Transaction] = field(default_factory=dict)
    chain: dict[str, tuple[int, str]] = field(default_factory=dict)  # tx id -> (height, hash)
    on_chain: list[Transaction] = field(default_factory=list)
    headers: list[BlockHeader] = field(default_factory=list)
    posts: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    slow_seconds: float = 0.05

    def __post_init__(self) -> None:
        for v in self.genesis.validators:
            self.modes.setdefault(v.id, "up")
            self.health_status.setdefault(v.id, "ok")

    # ------------------------------------------------------------------ test controls

    def set_all(self, mode: str) -> None:
        for node_id in self.modes:
            self.modes[node_id] = mode

    def commit(self) -> None:
        """Every validator commits one block holding the whole mempool."""
        height = len(self.headers) + 1
        parent = self.headers[-1].block_hash if self.headers else "0" * 64
        txs = list(self.mempool.values())
        header = build_block(
            self.genesis.chain_id, height, 0, height, parent, "v", tuple(txs)
        ).header
        self.headers.append(header)
        for tx in txs:
            self.chain[tx.tx_id] = (height, header.block_hash)
            self.on_chain.append(tx)
        self.mempool.clear()

    def lose_mempool(self) -> None:
        """A validator crashed before gossiping: the admitted transactions are gone."""
        self.mempool.clear()

    def sent_tx_ids(self) -> list[str]:
        return [
            call["params"][0]["tx_id"]
            for _, body in self.posts
            for call in body
            if call["method"] == "eth_sendTransaction"
        ]

    def votes_on_chain(self, voter_pseudonym: str) -> int:
        return sum(1 for tx in self.on_chain if tx.voter_pseudonym == voter_pseudonym)

    # ------------------------------------------------------------------ HTTP

    def _node(self, url: str) -> str:
        for v in self.genesis.validators:
            if url.startswith(v.url + "/"):
                return v.id
        raise requests.ConnectionError(f"no such host: {url}")

    def _reach(self, node_id: str) -> None:
        mode = self.modes[node_id]
        if mode == "down":
            raise requests.ConnectionError(f"{node_id} refused the connection")
        if mode == "timeout":
            raise requests.ReadTimeout(f"{node_id} timed out")
        if mode == "slow":
            time.sleep(self.slow_seconds)  # latency to measure, not synchronisation

    def post(self, url: str, body: Any, timeout: Any) -> requests.Response:
        node_id = self._node(url)
        self._reach(node_id)
        if self.modes[node_id] == "500":
            return http_response(500, {"detail": "boom"})
        self.posts.append((node_id, body))
        return http_response(200, [self._answer(call) for call in body])

    def get(self, url: str, params: dict[str, Any], timeout: Any) -> requests.Response:
        node_id = self._node(url)
        self._reach(node_id)
        if self.modes[node_id] == "500":
            return http_response(500, {"detail": "boom"})
        path = url.rsplit("/", 1)[1]
        height = max(len(self.headers) - self.lagging.get(node_id, 0), 0)
        last_hash = self.headers[height - 1].block_hash if height else "0" * 64
        if node_id in self.forked:
            last_hash = "f" * 64
        if path == "health":
            return http_response(
                200,
                {
                    "node_id": node_id,
                    "status": self.health_status[node_id],
                    "height": height,
                    "last_block_hash": last_hash,
                    "evidence_count": 0,
                },
            )
        if path == "blockchain":
            verification = {"valid": True, "height": height, "last_hash": last_hash}
            return http_response(200, {"transactions": [], "verification": verification})
        if path == "blocks":
            start = int(params["from"])
            headers = self.headers[start - 1 : min(start, height)]
            blocks = [{"block": {"header": h.to_dict(), "transactions": []}} for h in headers]
            return http_response(200, {"blocks": blocks})
        return http_response(404, {"detail": "not found"})

    def _answer(self, call: dict[str, Any]) -> dict[str, Any]:
        def error(code: int, message: str) -> dict[str, Any]:
            return {"jsonrpc": "2.0", "id": call["id"], "error": {"code": code, "message": message}}

        if call["method"] == "eth_getTransactionReceipt":
            found = self.chain.get(call["params"][0])
            receipt = {"blockNumber": hex(found[0]), "blockHash": found[1]} if found else None
            return {"jsonrpc": "2.0", "id": call["id"], "result": receipt}
        try:
            tx = Transaction.from_dict(call["params"][0])
        except MalformedError as exc:
            return error(-32602, str(exc))
        problem = transaction_error(
            tx, self.genesis.submitter_keys(), 1 << 20, self.genesis.chain_id
        )
        if problem:
            return error(-32002, problem[1])
        if tx.tx_id in self.mempool or tx.tx_id in self.chain:
            return error(-32003, f"transaction {tx.tx_id} is already known")
        voters = {
            (t.election_id, t.voter_pseudonym) for t in [*self.mempool.values(), *self.on_chain]
        }
        if (tx.election_id, tx.voter_pseudonym) in voters:
            return error(-32004, "voter already has a ballot")
        self.mempool[tx.tx_id] = tx
        return {"jsonrpc": "2.0", "id": call["id"], "result": tx.tx_hash}


def install(monkeypatch: pytest.MonkeyPatch, genesis: Genesis) -> FakeNetwork:
    fake = FakeNetwork(genesis)
    monkeypatch.setattr("apps.network.client._post", fake.post)
    monkeypatch.setattr("apps.network.client._get", fake.get)
    return fake
