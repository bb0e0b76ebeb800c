"""The mempool: transactions admitted from submitters (JSON-RPC) and from peers' gossip,
waiting for a block."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from validators.chain.models import ChainTransaction, MempoolTransaction
from validators.chain.network_config import genesis
from validators.chain.store.transaction_rows import columns, hashes_in, insert_rows, rows_of_voters
from validators.core.blocks import Transaction, transaction_error


@dataclass(frozen=True)
class Rejection:
    """Why a transaction was not admitted; `code` is the JSON-RPC application error code."""

    code: int
    name: str
    message: str


REJECTION_CODES = {
    "unauthorised_submitter": -32001,
    "bad_signature": -32002,
    "duplicate_transaction": -32003,
    "duplicate_voter": -32004,
    "payload_too_large": -32005,
    "mempool_full": -32006,
    "wrong_chain": -32007,
}


def rejection(name: str, message: str) -> Rejection:
    return Rejection(REJECTION_CODES[name], name, message)


def admit_transactions(txs: list[Transaction]) -> list[Rejection | None]:
    """Admit each transaction to the mempool, or say why not (None means admitted).

    1. Stateless checks (size, submitter, signature), while the mempool has room; once it is
       full (MEMPOOL_MAX_BLOCKS) the rest of the batch is refused before its signatures are
       checked.
    2. Duplicates: an id or a voter already on chain, in the mempool or earlier in the batch.
    3. The rest is written in one database transaction; the unique constraints decide between
       concurrent requests, so a race can never admit two ballots of one voter.
    """
    results = _checked_while_there_is_room(txs)
    fresh = _not_known(txs, results)
    positions = list(fresh)
    for i in _insert_mempool(list(fresh.values())):
        results[positions[i]] = rejection(
            "duplicate_transaction", f"transaction {txs[positions[i]].tx_id} raced another"
        )
    return results


def _checked_while_there_is_room(txs: list[Transaction]) -> list[Rejection | None]:
    g = genesis()
    room = settings.MEMPOOL_MAX_BLOCKS * g.max_block_txs - MempoolTransaction.objects.count()
    results: list[Rejection | None] = []
    for tx in txs:
        if room <= 0:
            results.append(
                rejection("mempool_full", "the mempool is full: submit this transaction later")
            )
            continue
        error = transaction_error(tx, g.submitter_keys(), g.max_payload_bytes, g.chain_id)
        results.append(rejection(*error) if error else None)
        room -= error is None
    return results


def _not_known(txs: list[Transaction], results: list[Rejection | None]) -> dict[int, Transaction]:
    """index -> transaction for those that passed so far and are new; marks the duplicates
    in `results`."""
    known = _known_transactions([tx for tx, r in zip(txs, results, strict=True) if r is None])
    seen_ids: set[str] = set()
    seen_voters: set[tuple[str, str]] = set()
    fresh: dict[int, Transaction] = {}
    for i, tx in enumerate(txs):
        if results[i] is not None:
            continue
        voter = (tx.election_id, tx.voter_pseudonym)
        if tx.tx_id in known.tx_ids or tx.tx_id in seen_ids:
            results[i] = rejection(
                "duplicate_transaction", f"transaction {tx.tx_id} is already known"
            )
        elif voter in known.voters or voter in seen_voters:
            results[i] = rejection(
                "duplicate_voter", f"voter already has a ballot in election {tx.election_id}"
            )
        else:
            fresh[i] = tx
        seen_ids.add(tx.tx_id)
        seen_voters.add(voter)
    return fresh


def admit_gossip(txs: list[Transaction]) -> int:
    """Add transactions a peer passed on; returns how many new ones passed the checks.

    Each is checked like any other (size, submitter, signature): no peer is trusted. The
    ones this node already holds (same hash, on chain or in the mempool) are skipped; for the
    rest, the mempool's unique constraints decide, and no lookup by id or voter is made: a
    proposer drops mempool rows already on chain (`transactions_for_block`), which it must
    do anyway for rows that raced a commit.
    """
    g = genesis()
    hashes = [tx.tx_hash for tx in txs]
    held = hashes_in(ChainTransaction, hashes) | hashes_in(MempoolTransaction, hashes)
    # Under load a block often brings a transaction before its gossip does; the block check
    # verified it then, so it is not verified a second time here.
    fresh = [tx for tx in txs if tx.tx_hash not in held]
    valid = [
        tx
        for tx in fresh
        if transaction_error(tx, g.submitter_keys(), g.max_payload_bytes, g.chain_id) is None
    ]
    with transaction.atomic():
        insert_rows(MempoolTransaction, _mempool_rows(valid), ignore_conflicts=True)
    return len(valid)


def _mempool_rows(txs: list[Transaction]) -> list[dict[str, Any]]:
    received_at = timezone.now()
    return [{"tx_hash": tx.tx_hash, "received_at": received_at, **columns(tx)} for tx in txs]


def _insert_mempool(txs: list[Transaction]) -> list[int]:
    """Insert in one transaction; returns the indexes a concurrent request got to first."""
    if not txs:
        return []
    with transaction.atomic():
        insert_rows(MempoolTransaction, _mempool_rows(txs), ignore_conflicts=True)
        stored = dict(
            MempoolTransaction.objects.filter(tx_id__among=[tx.tx_id for tx in txs]).values_list(
                "tx_id", "tx_hash"
            )
        )
    return [i for i, tx in enumerate(txs) if stored.get(tx.tx_id) != tx.tx_hash]


@dataclass(frozen=True)
class KnownTransactions:
    tx_ids: set[str]
    voters: set[tuple[str, str]]


def _known_transactions(txs: list[Transaction]) -> KnownTransactions:
    """Ids and voters among txs already on chain or in the mempool (two queries each)."""
    ids = [tx.tx_id for tx in txs]
    tx_ids: set[str] = set()
    voters: set[tuple[str, str]] = set()
    for model in (ChainTransaction, MempoolTransaction):
        tx_ids.update(model.objects.filter(tx_id__among=ids).values_list("tx_id", flat=True))
        voters.update(rows_of_voters(model, txs))
    return KnownTransactions(tx_ids, voters)


def drop_committed(txs: tuple[Transaction, ...]) -> None:
    """Remove committed transactions and any rival ballot of the same voters."""
    MempoolTransaction.objects.filter(tx_id__among=[tx.tx_id for tx in txs]).delete()
    rivals = rows_of_voters(MempoolTransaction, txs)
    MempoolTransaction.objects.filter(id__among=list(rivals.values())).delete()
