"""The genesis file: the trusted validator set, submitter keys and chain parameters.

Format (JSON, `var/network/genesis.json`):
    {"chain_id": str, "block_interval_ms": int, "quorum": int, "max_block_txs": int,
     "max_payload_bytes": int, "bootnode_url": str,
     "validators": [{"id": str, "url": str, "public_key": hex}],
     "submitters": [{"id": str, "public_key": hex}]}
Validator order is the round-robin order: proposer(h, r) = validators[(h + r) % N].
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validators.core.fields import FieldReader

# What `make_genesis` writes unless told otherwise: the largest transaction payload (a ballot).
DEFAULT_MAX_PAYLOAD_BYTES = 65536


class GenesisError(ValueError):
    """A genesis document that is missing a field or holds a bad value."""


@dataclass(frozen=True)
class ValidatorInfo:
    id: str
    url: str
    public_key: str


@dataclass(frozen=True)
class Genesis:
    chain_id: str
    block_interval_ms: int
    quorum: int
    max_block_txs: int
    max_payload_bytes: int
    bootnode_url: str
    validators: tuple[ValidatorInfo, ...]
    submitters: tuple[tuple[str, str], ...]  # (id, public key hex)

    @property
    def validator_ids(self) -> tuple[str, ...]:
        return tuple(v.id for v in self.validators)

    def validator(self, node_id: str) -> ValidatorInfo:
        for info in self.validators:
            if info.id == node_id:
                return info
        raise GenesisError(f"{node_id!r} is not a validator in genesis")

    def submitter_keys(self) -> frozenset[str]:
        return frozenset(key for _, key in self.submitters)

    def to_dict(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "block_interval_ms": self.block_interval_ms,
            "quorum": self.quorum,
            "max_block_txs": self.max_block_txs,
            "max_payload_bytes": self.max_payload_bytes,
            "bootnode_url": self.bootnode_url,
            "validators": [
                {"id": v.id, "url": v.url, "public_key": v.public_key} for v in self.validators
            ],
            "submitters": [{"id": i, "public_key": k} for i, k in self.submitters],
        }


def default_quorum(n: int) -> int:
    return n // 2 + 1


# A field of the wrong type: "genesis field 'quorum' must be int".
_FIELDS = FieldReader(
    invalid=lambda name, complaint: GenesisError(f"genesis field {name!r} {complaint}"),
    type_names=True,
)


def genesis_from_dict(data: Any) -> Genesis:
    if not isinstance(data, dict):
        raise GenesisError("genesis must be a JSON object")
    validators = tuple(
        ValidatorInfo(_FIELDS.text(v, "id"), _FIELDS.text(v, "url"), _FIELDS.text(v, "public_key"))
        for v in _FIELDS.array(data, "validators")
    )
    submitters = tuple(
        (_FIELDS.text(s, "id"), _FIELDS.text(s, "public_key"))
        for s in _FIELDS.array(data, "submitters")
    )
    genesis = Genesis(
        chain_id=_FIELDS.text(data, "chain_id"),
        block_interval_ms=_FIELDS.integer(data, "block_interval_ms"),
        quorum=_FIELDS.integer(data, "quorum"),
        max_block_txs=_FIELDS.integer(data, "max_block_txs"),
        max_payload_bytes=_FIELDS.integer(data, "max_payload_bytes"),
        bootnode_url=_FIELDS.text(data, "bootnode_url"),
        validators=validators,
        submitters=submitters,
    )
    if not validators:
        raise GenesisError("genesis lists no validators")
    if len({v.id for v in validators}) != len(validators):
        raise GenesisError("validator ids must be distinct")
    if not default_quorum(len(validators)) <= genesis.quorum <= len(validators):
        raise GenesisError("quorum must be between floor(N/2)+1 and N")
    if genesis.block_interval_ms <= 0:
        raise GenesisError("block_interval_ms must be positive")
    return genesis


def load_genesis(path: Path) -> Genesis:
    try:
        return genesis_from_dict(json.loads(path.read_text()))
    except (OSError, json.JSONDecodeError) as exc:
        raise GenesisError(f"cannot read genesis {path}: {exc}") from exc
