"""The fallback chain's integrity check in the database: any edited, removed or reordered
row is found, and so is an outbox vote that no longer matches its entry."""

from __future__ import annotations

import pytest

from apps.fallback.integrity import check_fallback_chain
from apps.fallback.models import FallbackBlock
from apps.fallback.tests.conftest import MakeVotes, park
from apps.network.tests.fakes import FakeNetwork
from apps.votes.models import Vote

pytestmark = pytest.mark.django_db


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
