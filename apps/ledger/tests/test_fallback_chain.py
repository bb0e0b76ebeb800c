"""The fallback chain in the database: appended with the votes it parks, and any edited,
removed or reordered row found by its integrity check."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.chain.delivery import claim_votes
from apps.chain.tests.fakes import FakeNetwork
from apps.ledger.fallback import append_to_fallback, check_fallback_chain, vote_entry
from apps.ledger.models import FallbackBlock, FallbackHead
from apps.votes.models import Vote

pytestmark = pytest.mark.django_db

MakeVotes = Callable[[int], list[Vote]]


def park(votes: list[Vote]) -> FallbackBlock | None:
    """What delivery does when no validator answers: claim, then append."""
    claimed = claim_votes(Vote.objects.filter(pk__in=[v.pk for v in votes]), len(votes))
    return append_to_fallback(claimed)


@pytest.fixture
def three_blocks(fake_network: FakeNetwork, make_votes: MakeVotes) -> list[FallbackBlock]:
    return [block for block in (park(make_votes(2)) for _ in range(3)) if block]


def test_each_call_appends_one_linked_signed_block(three_blocks: list[FallbackBlock]) -> None:
    assert [b.index for b in three_blocks] == [1, 2, 3]
    assert three_blocks[1].previous_hash == three_blocks[0].block_hash
    assert set(Vote.objects.values_list("status", flat=True)) == {"fallback"}
    head = FallbackHead.objects.get()
    assert (head.length, head.last_hash) == (3, three_blocks[2].block_hash)
    assert check_fallback_chain().to_dict() == {"valid": True, "length": 3, "problems": []}


def test_an_entry_holds_everything_replay_needs(
    fake_network: FakeNetwork, make_votes: MakeVotes
) -> None:
    vote = make_votes(1)[0]
    block = park([vote])
    assert block is not None and block.entries == [vote_entry(vote)]
    assert set(block.entries[0]) == {
        "transaction_id",
        "election_id",
        "voter_pseudonym",
        "ballot",
        "tracker",
        "cast_at",
    }


def test_only_votes_still_claimed_are_parked(
    fake_network: FakeNetwork, make_votes: MakeVotes
) -> None:
    votes = make_votes(2)
    assert append_to_fallback(votes) is None  # pending, not claimed by a delivery run
    assert FallbackBlock.objects.count() == 0


def test_a_vote_already_on_the_chain_is_not_appended_again(
    fake_network: FakeNetwork, make_votes: MakeVotes
) -> None:
    votes = make_votes(2)
    park(votes)
    claimed = claim_votes(Vote.objects.filter(status="fallback"), 10)  # a replay run
    assert append_to_fallback(claimed) is None  # which found no validator after all
    assert FallbackBlock.objects.count() == 1
    assert set(Vote.objects.values_list("status", flat=True)) == {"fallback"}
    assert check_fallback_chain().valid


def test_an_edited_ballot_is_detected(three_blocks: list[FallbackBlock]) -> None:
    block = three_blocks[1]
    block.entries[0]["ballot"] = '{"ballot":"forged"}'
    FallbackBlock.objects.filter(pk=block.pk).update(entries=block.entries)
    integrity = check_fallback_chain()
    assert not integrity.valid
    assert "block 2: contents do not match its hash (edited)" in integrity.problems


def test_an_edited_timestamp_is_detected(three_blocks: list[FallbackBlock]) -> None:
    block = three_blocks[0]
    FallbackBlock.objects.filter(pk=block.pk).update(created_at=block.created_at.replace(year=2001))
    assert not check_fallback_chain().valid


def test_a_removed_row_is_detected(three_blocks: list[FallbackBlock]) -> None:
    FallbackBlock.objects.filter(index=2).delete()
    integrity = check_fallback_chain()
    assert not integrity.valid and integrity.length == 2
    assert "block 2 missing: indexes jump to 3" in integrity.problems
    assert any("marked fallback but is on no block" in p for p in integrity.problems)


def test_a_removed_last_row_is_detected(three_blocks: list[FallbackBlock]) -> None:
    FallbackBlock.objects.filter(index=3).delete()
    Vote.objects.filter(status="fallback").update(status="confirmed")  # even once replayed
    integrity = check_fallback_chain()
    assert not integrity.valid
    assert any("blocks removed or added" in p for p in integrity.problems)


def test_reordered_rows_are_detected(three_blocks: list[FallbackBlock]) -> None:
    FallbackBlock.objects.filter(index=2).update(index=99)
    FallbackBlock.objects.filter(index=3).update(index=2)
    FallbackBlock.objects.filter(index=99).update(index=3)
    integrity = check_fallback_chain()
    assert not integrity.valid
    assert "block 2: previous_hash does not link to the block before" in integrity.problems


def test_reordered_entries_are_detected(fake_network: FakeNetwork, make_votes: MakeVotes) -> None:
    block = park(make_votes(2))
    assert block is not None
    FallbackBlock.objects.filter(pk=block.pk).update(entries=block.entries[::-1])
    assert not check_fallback_chain().valid


def test_an_outbox_ballot_edited_after_parking_is_detected(
    three_blocks: list[FallbackBlock],
) -> None:
    Vote.objects.filter(pk=Vote.objects.first().pk).update(ballot="{}")
    integrity = check_fallback_chain()
    assert any("differs from the outbox" in p for p in integrity.problems)


def test_an_empty_chain_is_valid(fake_network: FakeNetwork) -> None:
    assert check_fallback_chain().to_dict() == {"valid": True, "length": 0, "problems": []}
