"""The node's chain store: admitting transactions, committing blocks, reading the chain.

These are the verbs every edge (JSON-RPC, peer endpoints, the consensus engine) calls.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from validators.chain.models import (
    Block,
    ChainTransaction,
    ConsensusState,
    InboundMessage,
    LockedBlock,
    MempoolTransaction,
)
from validators.core.blocks import (
    Block as CoreBlock,
)
from validators.core.blocks import (
    BlockHeader,
    ChainIndex,
    Transaction,
    block_transactions_error,
    genesis_hash,
    transaction_error,
)
from validators.core.consensus import ConsensusConfig, Head
from validators.core.genesis import Genesis, load_genesis
from validators.core.keys import SigningKey
from validators.core.messages import CommittedBlock, Vote

log = logging.getLogger("validators.chain")


@cache
def genesis() -> Genesis:
    return load_genesis(settings.NETWORK_DIR / "genesis.json")


@cache
def node_key() -> SigningKey:
    return SigningKey.load(settings.NETWORK_DIR / "keys" / f"{settings.NODE_ID}.key")


def consensus_config() -> ConsensusConfig:
    return ConsensusConfig.from_genesis(genesis())


# ----------------------------------------------------------------------------- admission


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
        error = transaction_error(tx, g.submitter_keys(), g.max_payload_bytes)
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
        tx for tx in fresh if transaction_error(tx, g.submitter_keys(), g.max_payload_bytes) is None
    ]
    with transaction.atomic():
        insert_rows(MempoolTransaction, _mempool_rows(valid), ignore_conflicts=True)
    return len(valid)


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
    """A transaction read back from this node's tables, which hold only checked ones."""
    return Transaction(*values).with_stored_hash(tx_hash)


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


def _mempool_rows(txs: list[Transaction]) -> list[dict[str, Any]]:
    received_at = timezone.now()
    return [{"tx_hash": tx.tx_hash, "received_at": received_at, **tx.to_dict()} for tx in txs]


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


def insert_rows(
    model: type[models.Model], rows: list[dict[str, Any]], ignore_conflicts: bool = False
) -> None:
    """Insert many rows with one executemany: blocks hold thousands of transactions, and
    the ORM's per-object bulk_create costs more than the signature checks."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = list(rows[0])
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[row[c] for c in columns] for row in rows])


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


# ----------------------------------------------------------------------------- the chain


class BlockIndex(ChainIndex):
    """The chain as seen by one block's check, loaded in a few queries."""

    def __init__(self, txs: tuple[Transaction, ...]) -> None:
        ids = [tx.tx_id for tx in txs]
        self.tx_ids = set(
            ChainTransaction.objects.filter(tx_id__among=ids).values_list("tx_id", flat=True)
        )
        self.voters = set(rows_of_voters(ChainTransaction, txs))

    def has_transaction(self, tx_id: str) -> bool:
        return tx_id in self.tx_ids

    def has_voter(self, election_id: str, voter_pseudonym: str) -> bool:
        return (election_id, voter_pseudonym) in self.voters


class NodeApplication:
    """The core's Application over this node's database."""

    def transactions_for_block(self, height: int, limit: int) -> tuple[Transaction, ...]:
        """The oldest mempool transactions that are not on chain yet.

        Admission (web process) and commit (worker) are not serialised, so a transaction
        gossiped in while its block was being stored can sit in the mempool after that block
        dropped it. Proposing it would make every peer refuse the block; it is dropped here.
        """
        rows = MempoolTransaction.objects.order_by("id").values_list(
            "id", "tx_hash", *TRANSACTION_FIELDS
        )[:limit]
        candidates = {row[0]: stored_transaction(row[2:], row[1]) for row in rows}
        chain = BlockIndex(tuple(candidates.values()))
        stale = [
            row_id
            for row_id, tx in candidates.items()
            if chain.has_transaction(tx.tx_id)
            or chain.has_voter(tx.election_id, tx.voter_pseudonym)
        ]
        if stale:
            MempoolTransaction.objects.filter(id__among=stale).delete()
            log.info("mempool dropped=%s reason=already on chain", len(stale))
            for row_id in stale:
                del candidates[row_id]
        return tuple(candidates.values())

    def block_transactions_error(self, block: CoreBlock) -> str | None:
        g = genesis()
        hashes = [tx.tx_hash for tx in block.transactions]
        verified = frozenset(hashes_in(MempoolTransaction, hashes))
        return block_transactions_error(
            block, BlockIndex(block.transactions), g.submitter_keys(), g.max_payload_bytes, verified
        )


def head() -> Head:
    last = Block.objects.order_by("-height").first()
    if last is None:
        return Head(0, genesis_hash(genesis().to_dict()), 0)
    return Head(last.height, last.block_hash, last.timestamp_ms)


def head_certificate() -> tuple[Vote, ...]:
    last = Block.objects.order_by("-height").first()
    if last is None:
        return ()
    return tuple(Vote.from_dict(v) for v in last.certificate)


@transaction.atomic
def store_committed_block(committed: CommittedBlock) -> bool:
    """Store a final block with its certificate; False if this height is already stored.

    The height is the primary key, so two overlapping attempts cannot both store a block.
    """
    block = committed.block
    header = block.header
    if Block.objects.filter(height=header.height).exists():
        return False
    row = Block.objects.create(
        height=header.height,
        block_hash=block.block_hash,
        parent_hash=header.parent_hash,
        round=header.round,
        proposer=header.proposer,
        timestamp_ms=header.timestamp_ms,
        tx_count=header.tx_count,
        header=header.to_dict(),
        certificate=[v.to_dict() for v in committed.certificate],
        parent_certificate=list(block.parent_certificate),
    )
    insert_rows(
        ChainTransaction,
        [
            {"block_id": row.height, "position": i, "tx_hash": tx.tx_hash, **tx.to_dict()}
            for i, tx in enumerate(block.transactions)
        ],
    )
    _drop_from_mempool(block.transactions)
    return True


def _drop_from_mempool(txs: tuple[Transaction, ...]) -> None:
    """Remove committed transactions and any rival ballot of the same voters."""
    MempoolTransaction.objects.filter(tx_id__among=[tx.tx_id for tx in txs]).delete()
    rivals = rows_of_voters(MempoolTransaction, txs)
    MempoolTransaction.objects.filter(id__among=list(rivals.values())).delete()


def update_certificate(height: int, certificate: tuple[Vote, ...]) -> None:
    Block.objects.filter(height=height).update(certificate=[v.to_dict() for v in certificate])


def committed_block(row: Block) -> CommittedBlock:
    txs = tuple(
        stored_transaction((getattr(t, name) for name in TRANSACTION_FIELDS), t.tx_hash)
        for t in row.transactions.all()
    )
    block = CoreBlock(BlockHeader.from_dict(row.header), txs, tuple(row.parent_certificate))
    return CommittedBlock(block, tuple(Vote.from_dict(v) for v in row.certificate))


def committed_blocks_from(height: int, limit: int) -> list[CommittedBlock]:
    rows = Block.objects.filter(height__gte=height).prefetch_related("transactions")[:limit]
    return [committed_block(row) for row in rows]


@transaction.atomic
def save_durable_state(
    durable: dict[str, Any], lock_block: CoreBlock | None, height: int, round_: int
) -> None:
    """Write the durable consensus state, and the locked block when the core hands one over."""
    if lock_block is not None:
        _write_row(LockedBlock, block=_stored_lock_block(lock_block))
    _write_row(
        ConsensusState, durable=durable, height=height, round=round_, updated_at=timezone.now()
    )


def save_live_position(height: int, round_: int) -> None:
    """Where the engine is, for /health; also its heartbeat."""
    _write_row(ConsensusState, height=height, round=round_, updated_at=timezone.now())


def _write_row(model: type[models.Model], **fields: Any) -> None:
    """Write a one-row table (pk 1) without reading the row first (only the worker writes)."""
    if not model._default_manager.filter(pk=1).update(**fields):
        model._default_manager.create(pk=1, **fields)


def _stored_lock_block(block: CoreBlock) -> dict[str, Any]:
    """The locked block, naming by hash the transactions the mempool keeps until a block at
    this height is stored (which makes the lock moot); the others are kept in full."""
    hashes = [tx.tx_hash for tx in block.transactions]
    pooled = hashes_in(MempoolTransaction, hashes)
    return {
        **block.to_compact_dict(),
        "not_in_mempool": [tx.to_dict() for tx in block.transactions if tx.tx_hash not in pooled],
    }


class LockBlockMissing(RuntimeError):
    """The stored lock names a transaction this node no longer holds."""


def load_durable_state() -> dict[str, Any] | None:
    row = ConsensusState.objects.filter(pk=1).first()
    if row is None:
        return None
    durable = dict(row.durable)
    if durable.get("lock"):
        stored = LockedBlock.objects.filter(pk=1).values_list("block", flat=True).first()
        durable["lock_block"] = _whole_lock_block(stored)
    return durable


def _whole_lock_block(stored: Any) -> Any:
    """The stored locked block in the whole form the core reads."""
    hashes = CoreBlock.compact_hashes(stored) if isinstance(stored, dict) else None
    if hashes is None:
        return stored  # written whole (before migration 0006), or absent
    found = held_transactions(hashes)
    for item in stored["not_in_mempool"]:
        tx = Transaction.from_dict(item)
        found.setdefault(tx.tx_hash, tx)
    missing = [h for h in hashes if h not in found]
    if missing:
        raise LockBlockMissing(
            f"the locked block names {len(missing)} transactions this node does not hold,"
            f" the first {missing[0]}"
        )
    return {
        "header": stored["header"],
        "transactions": [found[h].to_dict() for h in hashes],
        "parent_certificate": stored["parent_certificate"],
    }


# ----------------------------------------------------------------------------- inbound messages

# A message the worker never took (it was killed between the two steps) is dropped after this.
INBOUND_MESSAGE_TTL = timedelta(minutes=5)


def put_inbound_message(body: str) -> int:
    return InboundMessage.objects.create(body=body).id


def take_inbound_message(message_id: int) -> str | None:
    """The stored message's body, removed from the store; None if it is gone."""
    with transaction.atomic():
        body = InboundMessage.objects.filter(id=message_id).values_list("body", flat=True).first()
        InboundMessage.objects.filter(
            models.Q(id=message_id) | models.Q(received_at__lt=timezone.now() - INBOUND_MESSAGE_TTL)
        ).delete()
    return body
