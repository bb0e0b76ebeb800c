"""Delivering outbox votes: one signed batch, failover, duplicates, fallback, claims."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db.models.query import QuerySet

from apps.fallback.models import FallbackBlock
from apps.network.delivery import (
    DELIVERY_LOCK,
    claim_votes,
    deliver_pending_votes,
    deliver_until_done,
)
from apps.network.signing import submitter_key
from apps.network.tests.fakes import FakeNetwork
from apps.votes.models import Vote
from validators.core.keys import verify_signature

pytestmark = pytest.mark.django_db

MakeVotes = Callable[[int], list[Vote]]


def status_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Vote.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_pending_votes_go_out_as_one_signed_batch(
    fake_network: FakeNetwork, make_votes: MakeVotes
) -> None:
    votes = make_votes(5)
    report = deliver_pending_votes()
    assert (report.claimed, report.admitted, report.fallback) == (5, 5, 0)
    assert len(fake_network.posts) == 1 and len(fake_network.posts[0][1]) == 5
    assert status_counts() == {"submitted": 5}
    tx = fake_network.mempool[votes[0].transaction_id]
    assert tx.election_id == votes[0].election.chain_election_id
    assert tx.voter_pseudonym == votes[0].voter_pseudonym and tx.payload == votes[0].ballot
    assert verify_signature(submitter_key().public_key, tx.signing_bytes, tx.signature)
    assert all(v.submitted_at and v.delivery_attempts == 1 for v in Vote.objects.all())


def test_a_run_with_nothing_pending_sends_nothing(fake_network: FakeNetwork) -> None:
    assert deliver_pending_votes().claimed == 0
    assert fake_network.posts == []


def test_the_limit_bounds_one_batch(fake_network: FakeNetwork, make_votes: MakeVotes) -> None:
    make_votes(7)
    assert deliver_pending_votes(limit=4).claimed == 4
    assert deliver_pending_votes(limit=4).claimed == 3
    assert status_counts() == {"submitted": 7}


@pytest.mark.parametrize("failure", ["down", "timeout", "500"])
def test_it_fails_over_to_the_next_validator(
    fake_network: FakeNetwork, make_votes: MakeVotes, failure: str
) -> None:
    make_votes(3)
    fake_network.modes["validator-1"] = failure
    report = deliver_pending_votes()
    assert report.admitted == 3 and report.node_id == "validator-2"
    assert report.failed_over == ("validator-1",)
    assert status_counts() == {"submitted": 3}


def test_votes_the_network_already_holds_count_as_delivered(
    fake_network: FakeNetwork, make_votes: MakeVotes
) -> None:
    votes = make_votes(3)
    deliver_pending_votes()
    Vote.objects.filter(pk=votes[0].pk).update(status=Vote.Status.PENDING)
    fake_network.commit()
    Vote.objects.filter(pk=votes[1].pk).update(status=Vote.Status.PENDING)
    report = deliver_pending_votes()
    assert (report.claimed, report.duplicates, report.rejected) == (2, 2, 0)
    assert status_counts() == {"submitted": 3}
    assert all(fake_network.votes_on_chain(v.voter_pseudonym) <= 1 for v in votes)


def test_a_second_ballot_for_the_same_voter_counts_as_delivered_with_a_note(
    fake_network: FakeNetwork, make_votes: MakeVotes
) -> None:
    vote = make_votes(1)[0]
    deliver_pending_votes()
    # The outbox lost track of the first transaction (say, a restored backup) and holds
    # another id for the same voter: the network refuses it, and it is not retried forever.
    Vote.objects.filter(pk=vote.pk).update(status=Vote.Status.PENDING, transaction_id="other")
    report = deliver_pending_votes()
    assert report.duplicates == 1
    assert Vote.objects.get().last_error.startswith("-32004")


def test_a_refused_vote_goes_back_to_pending_with_the_reason(
    fake_network: FakeNetwork, make_votes: MakeVotes, monkeypatch: pytest.MonkeyPatch
) -> None:
    votes = make_votes(2)
    monkeypatch.setattr(
        "apps.network.delivery.signed_transaction", lambda *args: forged(args, votes[0])
    )
    report = deliver_pending_votes()
    assert (report.admitted, report.rejected) == (1, 1)
    refused = Vote.objects.get(pk=votes[0].pk)
    assert refused.status == "pending" and refused.last_error.startswith("-32002")
    assert Vote.objects.get(pk=votes[1].pk).status == "submitted"


def forged(args: tuple, target: Vote):  # type: ignore[no-untyped-def]
    """The real signed transaction, except the target vote's signature is broken."""
    from apps.network.signing import signed_transaction

    tx = signed_transaction(*args)
    if tx.tx_id != target.transaction_id:
        return tx
    return type(tx)(**{**tx.to_dict(), "signature": "00" * 64})


def test_a_vote_refused_again_and_again_does_not_starve_new_ones(
    fake_network: FakeNetwork, make_votes: MakeVotes
) -> None:
    old = make_votes(2)
    Vote.objects.filter(pk__in=[v.pk for v in old]).update(delivery_attempts=5)
    new = make_votes(1)[0]
    assert [v.pk for v in claim_votes(Vote.objects.filter(status="pending"), 1)] == [new.pk]


def test_with_every_validator_down_votes_go_to_the_fallback_chain(
    fake_network: FakeNetwork, make_votes: MakeVotes
) -> None:
    make_votes(4)
    fake_network.set_all("down")
    report = deliver_pending_votes()
    assert (report.claimed, report.fallback) == (4, 4)
    assert status_counts() == {"fallback": 4}
    block = FallbackBlock.objects.get()
    assert len(block.entries) == 4 and block.index == 1


def test_a_claim_that_loses_a_race_claims_nothing(
    fake_network: FakeNetwork, make_votes: MakeVotes, monkeypatch: pytest.MonkeyPatch
) -> None:
    votes = make_votes(3)
    real_update = QuerySet.update

    def another_run_claims_first(self: QuerySet, **kwargs: object) -> int:
        monkeypatch.setattr(QuerySet, "update", real_update)
        real_update(Vote.objects.filter(pk=votes[0].pk), status=Vote.Status.SUBMITTED)
        return real_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", another_run_claims_first)
    assert claim_votes(Vote.objects.filter(status=Vote.Status.PENDING), 10) == []
    assert all(v.delivery_attempts == 0 for v in Vote.objects.all())


def test_overlapping_runs_never_send_a_vote_twice(
    fake_network: FakeNetwork, make_votes: MakeVotes
) -> None:
    make_votes(6)
    first = claim_votes(Vote.objects.filter(status=Vote.Status.PENDING), 4)
    second = claim_votes(Vote.objects.filter(status=Vote.Status.PENDING), 4)
    assert len(first) == 4 and len(second) == 2
    assert not {v.pk for v in first} & {v.pk for v in second}


def test_one_run_delivers_a_burst_in_batches_until_nothing_is_pending(
    fake_network: FakeNetwork, make_votes: MakeVotes
) -> None:
    make_votes(25)
    assert deliver_until_done(limit=10) == 25
    assert len(fake_network.posts) == 3 and status_counts() == {"submitted": 25}


def test_a_run_while_another_is_under_way_returns_at_once(
    fake_network: FakeNetwork, make_votes: MakeVotes
) -> None:
    make_votes(3)
    cache.add(DELIVERY_LOCK, True, timeout=60)  # another process's run holds it
    try:
        assert deliver_until_done() == 0
        assert status_counts() == {"pending": 3} and not fake_network.posts
    finally:
        cache.delete(DELIVERY_LOCK)
    assert deliver_until_done() == 3
