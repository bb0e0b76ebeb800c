"""The validator network as genesis describes it (what the tally reads is validators.audit)."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from validators.core.genesis import Genesis, load_genesis


@cache
def network_genesis() -> Genesis:
    return load_genesis(settings.NETWORK_DIR / "genesis.json")


def validator_urls() -> dict[str, str]:
    return {v.id: v.url for v in network_genesis().validators}
