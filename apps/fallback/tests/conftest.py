"""Fixtures of the fallback tests: the network tests' generated network and outbox votes,
and votes parked on the fallback chain as delivery parks them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.fallback.blocks import append_to_fallback
from apps.fallback.models import FallbackBlock
from apps.network.delivery import claim_votes
from apps.network.tests.fakes import FakeNetwork
from apps.network.tests.network import cluster, election, fake_network, make_votes
from apps.votes.models import Vote

__all__ = ["cluster", "election", "fake_network", "make_votes"]

MakeVotes = Callable[[int], list[Vote]]


def park(votes: list[Vote]) -> FallbackBlock | None:
    """What delivery does when no validator answers: claim, then append."""
    claimed = claim_votes(Vote.objects.filter(pk__in=[v.pk for v in votes]), len(votes))
    return append_to_fallback(claimed)


@pytest.fixture
def three_blocks(fake_network: FakeNetwork, make_votes: MakeVotes) -> list[FallbackBlock]:
    return [block for block in (park(make_votes(2)) for _ in range(3)) if block]
