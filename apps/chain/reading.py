"""Reading the chain: an election's transactions as committed on the validator network."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import requests
from django.conf import settings

from validators.core.genesis import Genesis, load_genesis


class ChainUnavailable(Exception):
    """No validator answered."""


@cache
def network_genesis() -> Genesis:
    return load_genesis(settings.NETWORK_DIR / "genesis.json")


def validator_urls() -> dict[str, str]:
    return {v.id: v.url for v in network_genesis().validators}


@dataclass(frozen=True)
class ChainBallot:
    transaction_id: str
    voter_pseudonym: str
    payload: str
    block_height: int
    block_hash: str


@dataclass(frozen=True)
class ElectionChain:
    node_id: str
    ballots: list[ChainBallot]
    verification: dict[str, Any]


def election_chain(chain_election_id: str, timeout: float = 10.0) -> ElectionChain:
    """The election's transactions from the first validator that answers."""
    for node_id, url in validator_urls().items():
        try:
            response = requests.get(
                url + "/blockchain", params={"election_id": chain_election_id}, timeout=timeout
            )
            response.raise_for_status()
            data = response.json()
        except (requests.RequestException, ValueError):
            continue
        ballots = [
            ChainBallot(
                t["tx_id"], t["voter_pseudonym"], t["payload"], t["block_height"], t["block_hash"]
            )
            for t in data["transactions"]
        ]
        return ElectionChain(node_id, ballots, data["verification"])
    raise ChainUnavailable("no validator answered")
