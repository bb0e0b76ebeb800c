"""Putting an election's votes on a stand-in validator chain and tallying them with its
trustees, for tests of what comes after voting."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from pytest_django.fixtures import SettingsWrapper

from apps.elections.models import Election
from apps.elections.services import close_election
from apps.elections.tally import begin_tally
from apps.network.genesis import network_genesis
from apps.network.tests.network import point_at_network
from apps.trustees.tests.ceremony import decrypt_as_trustees
from apps.votes.models import Vote
from evcrypto import TrusteeKey
from tests.standin_validators import StandInNetwork


@pytest.fixture
def validators(tmp_path: Path, settings: SettingsWrapper) -> Iterator[StandInNetwork]:
    """Three stand-in validators on loopback serving a certified chain
    (tests/standin_validators.py); the backend's settings point at their genesis."""
    network = StandInNetwork(tmp_path / "network").start()
    point_at_network(settings, network.network_dir)
    try:
        yield network
    finally:
        network.stop()
        network_genesis.cache_clear()


def confirm_on_chain(network: StandInNetwork, election: Election) -> int:
    """Commit the election's undelivered votes in one certified block and mark them confirmed
    there, as delivery and receipts would; the block's height."""
    votes = list(
        Vote.objects.filter(
            election=election, status__in=[Vote.Status.PENDING, Vote.Status.SUBMITTED]
        )
    )
    height = network.commit(
        [
            network.transaction(
                v.transaction_id, election.chain_election_id, v.voter_pseudonym, v.ballot
            )
            for v in votes
        ]
    )
    Vote.objects.filter(pk__in=[v.pk for v in votes]).update(
        status=Vote.Status.CONFIRMED, block_height=height, block_hash="ab" * 32
    )
    return height


def tally_with_trustees(
    election: Election, keys: dict[int, TrusteeKey], who: Sequence[int] = (1, 2)
) -> Election:
    """Close (if open), start the tally, and have trustees `who` decrypt it."""
    election.refresh_from_db()
    if election.state == Election.State.OPEN:
        election = close_election(election)
    return decrypt_as_trustees(begin_tally(election), keys, who)
