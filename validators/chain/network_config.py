"""The network this node belongs to, as its files in NETWORK_DIR say: genesis and the node's
own key (each read once per process), and the consensus parameters genesis sets."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from validators.core.genesis import Genesis, load_genesis
from validators.core.keys import SigningKey
from validators.core.rules import ConsensusConfig


@cache
def genesis() -> Genesis:
    return load_genesis(settings.NETWORK_DIR / "genesis.json")


@cache
def node_key() -> SigningKey:
    return SigningKey.load(settings.NETWORK_DIR / "keys" / f"{settings.NODE_ID}.key")


def consensus_config() -> ConsensusConfig:
    return ConsensusConfig.from_genesis(genesis())
