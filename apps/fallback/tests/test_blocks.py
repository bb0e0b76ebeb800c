"""The fallback chain in the database: each run that finds no validator appends the votes it
parks as one linked, signed block."""

from __future__ import annotations

import pytest

from apps.fallback.blocks import append_to_fallback, vote_entry
from apps.fallback.integrity import check_fallback_chain
from apps.fallback.models import FallbackBlock, FallbackHead
from apps.fallback.tests.conftest import MakeVotes, park
from apps.network.delivery import claim_votes
from apps.network.tests.fakes import FakeNetwork
from apps.votes.models import Vote

pytestmark = pytest.mark.django_db


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
