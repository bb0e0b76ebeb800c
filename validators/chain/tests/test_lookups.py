"""`__among`: membership in a long list as one parameter (SQLite here, PostgreSQL in CI's
integration tier and with DATABASE_URL set)."""

from __future__ import annotations

import pytest

from validators.chain.models import MempoolTransaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows() -> list[MempoolTransaction]:
    return [
        MempoolTransaction.objects.create(
            tx_hash=f"0x{i:064x}",
            tx_id=f"tx-{i}",
            election_id="e-1",
            voter_pseudonym=f"voter-{i}",
            payload="p",
            submitted_at_ms=1,
            submitter_key="k",
            signature="s",
        )
        for i in range(6)
    ]


def test_strings_integers_sets_and_nothing(rows: list[MempoolTransaction]) -> None:
    pool = MempoolTransaction.objects
    wanted = [rows[4].tx_hash, "0xnothing", rows[1].tx_hash]
    assert set(pool.filter(tx_hash__among=wanted).values_list("tx_id", flat=True)) == {
        "tx-1",
        "tx-4",
    }
    assert pool.filter(id__among={rows[0].id, rows[5].id}).count() == 2
    assert not pool.filter(tx_id__among=[]).exists()


def test_a_long_list_deletes_what_it_names(rows: list[MempoolTransaction]) -> None:
    names = [f"tx-{i}" for i in range(0, 40000, 2)]  # more than SQLite's 32,766 parameters
    MempoolTransaction.objects.filter(tx_id__among=names).delete()
    assert sorted(MempoolTransaction.objects.values_list("tx_id", flat=True)) == [
        "tx-1",
        "tx-3",
        "tx-5",
    ]
