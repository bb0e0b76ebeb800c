"""The backend's submitter key and the signed transaction a vote travels as."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path

from django.conf import settings

from apps.network.genesis import network_genesis
from validators.core.blocks import Transaction
from validators.core.keys import SigningKey


@cache
def _load_key(path: Path) -> SigningKey:
    return SigningKey.load(path)


def submitter_key() -> SigningKey:
    """The key named by settings.SUBMITTER_KEY_PATH (cached per path)."""
    return _load_key(Path(settings.SUBMITTER_KEY_PATH))


def submitted_at_ms(cast_at: datetime) -> int:
    """The vote's acceptance time: re-sending a vote rebuilds the very same transaction."""
    return int(cast_at.timestamp() * 1000)


def signed_transaction(
    transaction_id: str,
    chain_election_id: str,
    voter_pseudonym: str,
    ballot: str,
    cast_at: datetime,
) -> Transaction:
    key = submitter_key()
    unsigned = Transaction(
        tx_id=transaction_id,
        election_id=chain_election_id,
        voter_pseudonym=voter_pseudonym,
        payload=ballot,
        submitted_at_ms=submitted_at_ms(cast_at),
        submitter_key=key.public_key,
        signature="",
        chain_id=network_genesis().chain_id,
    )
    return Transaction(**{**unsigned.to_dict(), "signature": key.sign(unsigned.signing_bytes)})
