"""A transaction as a row of this node's tables (the mempool and the chain): its columns,
reading it back, lookups by hash and by voter, and the bulk insert both tables use."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, models

from validators.chain.models import ChainTransaction, MempoolTransaction
from validators.chain.network_config import genesis
from validators.core.blocks import Transaction

# A transaction's own fields, as columns of both the mempool and the chain tables, in the
# order of Transaction's constructor.
TRANSACTION_FIELDS = (
    "tx_id",
    "election_id",
    "voter_pseudonym",
    "payload",
    "submitted_at_ms",
    "submitter_key",
    "signature",
)


def stored_transaction(values: Iterable[Any], tx_hash: str) -> Transaction:
    """A transaction read back from this node's tables, which hold only checked ones (all of
    this chain: its id is not stored with each)."""
    fields = dict(zip(TRANSACTION_FIELDS, values, strict=True))
    return Transaction(**fields, chain_id=genesis().chain_id).with_stored_hash(tx_hash)


def hashes_in(
    model: type[ChainTransaction] | type[MempoolTransaction], hashes: list[str]
) -> set[str]:
    """Which of `hashes` the table holds."""
    return set(model.objects.filter(tx_hash__among=hashes).values_list("tx_hash", flat=True))


def held_transactions(hashes: list[str]) -> dict[str, Transaction]:
    """hash -> transaction for those of `hashes` this node holds, in its mempool or on chain."""
    found: dict[str, Transaction] = {}
    for model in (MempoolTransaction, ChainTransaction):
        wanted = [h for h in hashes if h not in found]
        if not wanted:
            break
        rows = model.objects.filter(tx_hash__among=wanted).values_list(
            "tx_hash", *TRANSACTION_FIELDS
        )
        found.update((row[0], stored_transaction(row[1:], row[0])) for row in rows)
    return found


def columns(tx: Transaction) -> dict[str, Any]:
    """A transaction's stored columns: the chain id is the node's, not kept with each."""
    return {name: getattr(tx, name) for name in TRANSACTION_FIELDS}


def insert_rows(
    model: type[models.Model], rows: list[dict[str, Any]], ignore_conflicts: bool = False
) -> None:
    """Insert many rows with one executemany: blocks hold thousands of transactions, and
    the ORM's per-object bulk_create costs more than the signature checks."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = list(rows[0])
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(c) for c in names),
        ", ".join(["%s"] * len(names)),
    )
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[row[c] for c in names] for row in rows])


def rows_of_voters(
    model: type[ChainTransaction] | type[MempoolTransaction], txs: Iterable[Transaction]
) -> dict[tuple[str, str], int]:
    """(election id, voter pseudonym) -> row id, for rows holding a voter of `txs`.

    One query on both columns; the pairs themselves are matched here."""
    wanted = {(tx.election_id, tx.voter_pseudonym) for tx in txs}
    rows = model.objects.filter(
        election_id__among={e for e, _ in wanted}, voter_pseudonym__among={v for _, v in wanted}
    ).values_list("id", "election_id", "voter_pseudonym")
    return {(e, v): i for i, e, v in rows if (e, v) in wanted}
