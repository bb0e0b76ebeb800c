"""Creating a network's files: the genesis document and one private key per participant.

Layout under the network directory:
    genesis.json            validator set, submitter keys, chain parameters (public)
    keys/<id>.key           one Ed25519 private key per validator and submitter (mode 0600)
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from validators.core.genesis import Genesis, ValidatorInfo, default_quorum, genesis_from_dict
from validators.core.keys import SigningKey

SUBMITTER_ID = "backend"


@dataclass(frozen=True)
class NetworkParameters:
    validator_urls: tuple[str, ...]
    block_interval_ms: int
    max_block_txs: int
    max_payload_bytes: int
    bootnode_url: str

    @property
    def validator_ids(self) -> tuple[str, ...]:
        return tuple(validator_id(n) for n in range(1, len(self.validator_urls) + 1))


def validator_id(n: int) -> str:
    return f"validator-{n}"


def urls_from_ports(count: int, host: str, base_port: int) -> tuple[str, ...]:
    return tuple(f"http://{host}:{base_port + i}" for i in range(count))


def urls_from_template(count: int, template: str) -> tuple[str, ...]:
    """URLs such as http://validator-{n}:8000 for services reached by name (n counts from 1)."""
    return tuple(template.format(n=n) for n in range(1, count + 1))


def genesis_path(network_dir: Path) -> Path:
    return network_dir / "genesis.json"


def key_path(network_dir: Path, participant_id: str) -> Path:
    return network_dir / "keys" / f"{participant_id}.key"


def network_file_paths(network_dir: Path, params: NetworkParameters) -> list[Path]:
    ids = [*params.validator_ids, SUBMITTER_ID]
    return [genesis_path(network_dir), *(key_path(network_dir, i) for i in ids)]


def new_chain_id() -> str:
    return f"evoting-{secrets.token_hex(4)}"


def create_network(network_dir: Path, params: NetworkParameters) -> Genesis:
    """Generate every key, save them, then write genesis.json last.

    Writing genesis last and atomically means a genesis file on disk always has its keys.
    """
    keys = {i: SigningKey.generate() for i in (*params.validator_ids, SUBMITTER_ID)}
    for participant_id, key in keys.items():
        key.save(key_path(network_dir, participant_id))
    genesis = Genesis(
        chain_id=new_chain_id(),
        block_interval_ms=params.block_interval_ms,
        quorum=default_quorum(len(params.validator_urls)),
        max_block_txs=params.max_block_txs,
        max_payload_bytes=params.max_payload_bytes,
        bootnode_url=params.bootnode_url,
        validators=tuple(
            ValidatorInfo(id=i, url=url, public_key=keys[i].public_key)
            for i, url in zip(params.validator_ids, params.validator_urls, strict=True)
        ),
        submitters=((SUBMITTER_ID, keys[SUBMITTER_ID].public_key),),
    )
    write_genesis(genesis_path(network_dir), genesis)
    return genesis


def write_genesis(path: Path, genesis: Genesis) -> None:
    document = genesis.to_dict()
    genesis_from_dict(document)  # what we write must load
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    draft.write_text(json.dumps(document, indent=2) + "\n")
    os.replace(draft, path)
