"""Receipts confirm submitted votes; votes a validator lost are sent again, never twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django.fixtures import SettingsWrapper

from apps.network.delivery import (
    deliver_pending_votes,
    poll_receipts,
    poll_receipts_until_done,
    resend_stale_votes,
)
from apps.network.tests.fakes import FakeNetwork
from apps.votes.models import Vote

pytestmark = pytest.mark.django_db

MakeVotes = Callable[[int], list[Vote]]


def age_submissions(seconds: float) -> None:
    Vote.objects.filter(status=Vote.Status.SUBMITTED).update(
        submitted_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_receipts_confirm_votes_with_block_height_and_hash(
    fake_network: FakeNetwork, make_votes: MakeVotes
) -> None:
    make_votes(3)
    deliver_pending_votes()
    assert poll_receipts() == 0  # admitted, not yet in a block
    fake_network.commit()
    assert poll_receipts() == 3
    header = fake_network.headers[0]
    for vote in Vote.objects.all():
        assert vote.status == "confirmed" and vote.confirmed_at
        assert (vote.block_height, vote.block_hash) == (1, header.block_hash)
    receipts = [c for _, body in fake_network.posts for c in body if "Receipt" in c["method"]]
    assert len(receipts) == 6  # two polls, one batch of three each


def test_with_no_validator_answering_receipts_wait(
    fake_network: FakeNetwork, make_votes: MakeVotes
) -> None:
    make_votes(2)
    deliver_pending_votes()
    fake_network.commit()
    fake_network.set_all("down")
    assert poll_receipts() == 0
    assert set(Vote.objects.values_list("status", flat=True)) == {"submitted"}


def test_a_vote_the_validator_lost_is_sent_again_and_confirmed_once(
    fake_network: FakeNetwork, make_votes: MakeVotes, settings: SettingsWrapper
) -> None:
    settings.CHAIN_RESEND_AFTER_SECONDS = 10
    vote = make_votes(1)[0]
    deliver_pending_votes()
    fake_network.lose_mempool()
    assert resend_stale_votes().claimed == 0  # not stale yet
    age_submissions(11)
    assert resend_stale_votes().admitted == 1
    fake_network.commit()
    assert poll_receipts() == 1
    assert fake_network.votes_on_chain(vote.voter_pseudonym) == 1
    assert fake_network.sent_tx_ids() == [vote.transaction_id] * 2


def test_resending_a_vote_the_network_still_holds_is_harmless(
    fake_network: FakeNetwork, make_votes: MakeVotes, settings: SettingsWrapper
) -> None:
    settings.CHAIN_RESEND_AFTER_SECONDS = 10
    vote = make_votes(1)[0]
    deliver_pending_votes()
    for _ in range(3):
        age_submissions(11)
        assert resend_stale_votes().duplicates == 1
    fake_network.commit()
    assert poll_receipts() == 1
    assert fake_network.votes_on_chain(vote.voter_pseudonym) == 1


def test_a_stale_vote_with_every_validator_down_goes_to_the_fallback_chain(
    fake_network: FakeNetwork, make_votes: MakeVotes, settings: SettingsWrapper
) -> None:
    settings.CHAIN_RESEND_AFTER_SECONDS = 10
    make_votes(1)
    deliver_pending_votes()
    fake_network.set_all("down")
    age_submissions(11)
    assert resend_stale_votes().fallback == 1
    assert Vote.objects.get().status == "fallback"


def test_a_malformed_receipt_is_ignored(fake_network: FakeNetwork, make_votes: MakeVotes) -> None:
    make_votes(1)
    deliver_pending_votes()
    fake_network.commit()
    fake_network.chain = {k: (v[0], "") for k, v in fake_network.chain.items()}
    assert poll_receipts() == 0


def test_a_burst_is_confirmed_in_batches_within_one_tick(
    fake_network: FakeNetwork, make_votes: MakeVotes
) -> None:
    make_votes(25)
    deliver_pending_votes()
    fake_network.commit()
    assert poll_receipts_until_done(limit=10) == 25
    assert set(Vote.objects.values_list("status", flat=True)) == {"confirmed"}
