"""Replaying fallback votes once a validator is healthy: from their signed entries, once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.fallback.integrity import check_fallback_chain
from apps.fallback.models import FallbackBlock
from apps.fallback.replay import replay_fallback_votes
from apps.network.delivery import deliver_pending_votes, poll_receipts
from apps.network.health import refresh_validator_health
from apps.network.tests.fakes import FakeNetwork
from apps.votes.models import Vote

pytestmark = pytest.mark.django_db

MakeVotes = Callable[[int], list[Vote]]


@pytest.fixture
def parked(fake_network: FakeNetwork, make_votes: MakeVotes) -> list[Vote]:
    """Four votes cast while every validator was down, in two fallback blocks."""
    fake_network.set_all("down")
    votes = make_votes(2)
    deliver_pending_votes()
    votes += make_votes(2)
    deliver_pending_votes()
    fake_network.set_all("up")
    return votes


def test_it_waits_for_a_healthy_validator(fake_network: FakeNetwork, parked: list[Vote]) -> None:
    fake_network.set_all("down")
    refresh_validator_health()
    assert replay_fallback_votes().skipped == "no healthy validator"
    assert fake_network.posts == []


def test_fallback_votes_are_replayed_confirmed_and_their_blocks_marked(
    fake_network: FakeNetwork, parked: list[Vote]
) -> None:
    refresh_validator_health()
    report = replay_fallback_votes()
    assert (report.delivery.claimed, report.delivery.admitted) == (4, 4)
    assert set(Vote.objects.values_list("status", flat=True)) == {"submitted"}
    fake_network.commit()
    assert poll_receipts() == 4
    assert replay_fallback_votes().blocks_marked_replayed == 2
    assert FallbackBlock.objects.filter(replayed_at__isnull=True).count() == 0
    assert all(fake_network.votes_on_chain(v.voter_pseudonym) == 1 for v in parked)
    assert check_fallback_chain().valid


def test_replay_sends_the_signed_entry_not_the_outbox_row(
    fake_network: FakeNetwork, parked: list[Vote]
) -> None:
    refresh_validator_health()
    Vote.objects.filter(pk=parked[0].pk).update(ballot='{"ballot":"edited later"}')
    replay_fallback_votes()
    assert fake_network.mempool[parked[0].transaction_id].payload == parked[0].ballot


def test_replaying_votes_the_network_already_holds_counts_them_once(
    fake_network: FakeNetwork, parked: list[Vote]
) -> None:
    refresh_validator_health()
    replay_fallback_votes()
    fake_network.commit()
    Vote.objects.update(status=Vote.Status.FALLBACK)  # as if the answers had been lost
    report = replay_fallback_votes()
    assert report.delivery.duplicates == 4
    assert poll_receipts() == 4
    assert all(fake_network.votes_on_chain(v.voter_pseudonym) == 1 for v in parked)


def test_a_replay_that_finds_no_validator_leaves_them_in_fallback_without_a_new_block(
    fake_network: FakeNetwork, parked: list[Vote]
) -> None:
    refresh_validator_health()
    fake_network.set_all("down")
    report = replay_fallback_votes()
    assert report.delivery.fallback == 4
    assert set(Vote.objects.values_list("status", flat=True)) == {"fallback"}
    assert FallbackBlock.objects.count() == 2 and check_fallback_chain().valid
