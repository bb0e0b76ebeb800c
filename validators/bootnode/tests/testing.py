"""Personas and a throwaway network for bootnode tests.

No Django import, so tests of the client and of the live server use it too.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validators.bootnode.messages import heartbeat_bytes, registration_bytes
from validators.core.keys import SigningKey


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class Node:
    """A validator (or an impostor): the id it claims, where it listens, the key it holds."""

    node_id: str
    url: str
    signing_key: SigningKey
    chain_id: str = "evoting-test"  # the test network's (genesis_document)

    @property
    def public_key(self) -> str:
        return self.signing_key.public_key

    def registration(self, at_ms: int | None = None, **overrides: Any) -> dict[str, Any]:
        """A /register_peer body signed at `at_ms` (default now); `overrides` apply after signing."""
        stamp = now_ms() if at_ms is None else at_ms
        signed = registration_bytes(self.chain_id, self.node_id, self.url, self.public_key, stamp)
        body = {
            "node_id": self.node_id,
            "url": self.url,
            "public_key": self.public_key,
            "timestamp_ms": stamp,
            "signature": self.signing_key.sign(signed),
        }
        return body | overrides

    def heartbeat(self, at_ms: int | None = None, **overrides: Any) -> dict[str, Any]:
        """A /heartbeat body signed at `at_ms` (default now); `overrides` apply after signing."""
        stamp = now_ms() if at_ms is None else at_ms
        signature = self.signing_key.sign(heartbeat_bytes(self.chain_id, self.node_id, stamp))
        body = {"node_id": self.node_id, "timestamp_ms": stamp, "signature": signature}
        return body | overrides


@dataclass(frozen=True)
class Network:
    """A genesis with three validators written to `directory`, plus an impostor it never lists."""

    directory: Path
    validators: tuple[Node, ...]
    impostor: Node

    @classmethod
    def generate(cls, directory: Path, size: int = 3) -> Network:
        validators = tuple(
            Node(f"validator-{n}", f"http://127.0.0.1:{8000 + n}", SigningKey.generate())
            for n in range(1, size + 1)
        )
        impostor = Node("validator-9", "http://127.0.0.1:8666", SigningKey.generate())
        network = cls(directory, validators, impostor)
        network.write()
        return network

    def write(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for node in self.validators:
            node.signing_key.save(self.directory / f"{node.node_id}.key")
        (self.directory / "genesis.json").write_text(json.dumps(self.genesis_document()))

    def genesis_document(self) -> dict[str, Any]:
        return {
            "chain_id": "evoting-test",
            "block_interval_ms": 5000,
            "quorum": len(self.validators) // 2 + 1,
            "max_block_txs": 500,
            "max_payload_bytes": 65536,
            "bootnode_url": "http://127.0.0.1:8546",
            "validators": [
                {"id": n.node_id, "url": n.url, "public_key": n.public_key} for n in self.validators
            ],
            "submitters": [],
        }
