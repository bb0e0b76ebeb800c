"""Delivering outbox votes to the validator network, and confirming them from receipts.

A vote moves pending -> submitted (admitted to a validator's mempool) -> confirmed (in a
committed block). When no validator answers it goes to the local fallback chain (`fallback`),
from which apps.fallback.replay sends it again later.

Sending a vote twice is safe: validators admit one transaction per id and one per (election,
voter pseudonym), on chain and in the mempool, and answer a repeat with -32003 / -32004. So a
vote whose fate is unknown (a timeout, a crashed validator, a crashed worker) is simply sent
again, and such an answer counts as delivered.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from apps.fallback.blocks import append_to_fallback
from apps.network import metrics
from apps.network.client import RpcAnswers, ValidatorUnavailable, rpc_with_failover
from apps.network.health import validators_to_try
from apps.network.signing import signed_transaction
from apps.votes.models import Vote
from validators.core.blocks import Transaction

log = logging.getLogger("apps.network")

DUPLICATE_TRANSACTION = -32003
DUPLICATE_VOTER = -32004


@dataclass(frozen=True)
class DeliveryReport:
    claimed: int = 0
    admitted: int = 0  # newly admitted to a mempool
    duplicates: int = 0  # already known to the network: delivered earlier
    rejected: int = 0  # refused for another reason: back in the queue with last_error
    fallback: int = 0  # no validator answered: parked on the local fallback chain
    node_id: str = ""  # the validator that answered
    failed_over: tuple[str, ...] = ()  # validators tried first that did not answer


def vote_transaction(vote: Vote) -> Transaction:
    return signed_transaction(
        vote.transaction_id,
        vote.election.chain_election_id,
        vote.voter_pseudonym,
        vote.ballot,
        vote.cast_at,
    )


def claim_votes(candidates: QuerySet[Vote], limit: int) -> list[Vote]:
    """Claim up to `limit` of `candidates` for one delivery run.

    1. Pick the ids, fewest delivery attempts first (a vote that keeps failing does not
       starve new ones), skipping rows another run has locked where the database can.
    2. Move them to `submitted` with a conditional UPDATE that repeats the candidates' filter.
    3. The claim stands only if that UPDATE changed every picked row; otherwise another run
       got there first and this one rolls back and claims nothing.
    A worker that dies after claiming leaves the votes `submitted` without a receipt, and
    resend_stale_votes picks them up.
    """
    with transaction.atomic():
        picked = candidates.select_for_update(skip_locked=True).order_by("delivery_attempts", "id")
        ids = list(picked.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        changed = candidates.filter(id__in=ids).update(
            status=Vote.Status.SUBMITTED,
            submitted_at=timezone.now(),
            delivery_attempts=F("delivery_attempts") + 1,
        )
        if changed != len(ids):
            transaction.set_rollback(True)
            log.info("vote claim lost a race picked=%s changed=%s", len(ids), changed)
            return []
    return list(Vote.objects.filter(id__in=ids).select_related("election").order_by("id"))


def deliver_pending_votes(limit: int = 500) -> DeliveryReport:
    """Send up to `limit` pending outbox votes as one batch (see send_votes)."""
    votes = claim_votes(Vote.objects.filter(status=Vote.Status.PENDING), limit)
    return send_votes(votes, [vote_transaction(v) for v in votes], Vote.Status.PENDING)


DELIVERY_LOCK = "chain:delivery-running"
DELIVERY_LOCK_SECONDS = 60  # outlives any run; a crashed run's lock lapses by then


def deliver_until_done(limit: int = 500, max_batches: int = 40) -> int:
    """One delivery run for every process: batches of `limit` until no vote is pending.

    Concurrent runs (beat's tick, the ones new votes ask for) do not pile up: a run that
    finds another under way returns at once, and the one under way picks their votes up.
    Votes accepted just as a run ends wait for the next tick. Returns how many were sent."""
    if not cache.add(DELIVERY_LOCK, True, timeout=DELIVERY_LOCK_SECONDS):
        return 0
    sent = 0
    try:
        for _ in range(max_batches):
            report = deliver_pending_votes(limit)
            sent += report.claimed
            if report.claimed < limit or report.fallback:
                break
    finally:
        cache.delete(DELIVERY_LOCK)
    return sent


def resend_stale_votes(limit: int = 500) -> DeliveryReport:
    """Send again the votes `submitted` longer than CHAIN_RESEND_AFTER_SECONDS ago without a
    receipt: the validator that admitted them may have lost them (or never got them)."""
    cutoff = timezone.now() - timedelta(seconds=settings.CHAIN_RESEND_AFTER_SECONDS)
    stale = Vote.objects.filter(status=Vote.Status.SUBMITTED, submitted_at__lt=cutoff)
    votes = claim_votes(stale, limit)
    return send_votes(votes, [vote_transaction(v) for v in votes], Vote.Status.PENDING)


def send_votes(
    votes: Sequence[Vote], transactions: Sequence[Transaction], back_to: str
) -> DeliveryReport:
    """Send claimed votes (status `submitted`) as one JSON-RPC batch.

    1. Try the validators best first (apps.network.health.validators_to_try), each
       CHAIN_DELIVERY_ROUNDS times over, until one answers the batch.
    2. If none answers, the votes go to the local fallback chain, marked `fallback`.
    3. Otherwise each call's answer decides: admitted or duplicate -> stays `submitted`
       (receipts confirm it); any other error -> back to `back_to` with last_error.
    """
    if not votes:
        return DeliveryReport()
    started = time.monotonic()
    methods = [("eth_sendTransaction", [tx.to_dict()]) for tx in transactions]
    endpoints = validators_to_try()
    nodes = [endpoint.node_id for endpoint in endpoints]
    try:
        answers = rpc_with_failover(endpoints, methods, settings.CHAIN_DELIVERY_ROUNDS)
    except ValidatorUnavailable as exc:
        append_to_fallback(votes)
        metrics.batch_sent("fallback", [], nodes)
        log.warning('votes parked in fallback votes=%s reason="%s"', len(votes), exc)
        return DeliveryReport(claimed=len(votes), fallback=len(votes))
    report = _record_answers(votes, answers, back_to)
    metrics.batch_sent("delivered", report.failed_over, nodes)
    log.info(
        "votes delivered node=%s claimed=%s admitted=%s duplicates=%s rejected=%s "
        "failed_over=%s ms=%d",
        report.node_id,
        report.claimed,
        report.admitted,
        report.duplicates,
        report.rejected,
        ",".join(report.failed_over) or "-",
        (time.monotonic() - started) * 1000,
    )
    return report


def _call_error(answer: dict[str, Any] | None) -> tuple[int, str] | None:
    """(code, message) of a failed call, None for a success."""
    if answer is None:
        return (0, "the validator did not answer this call")
    if "result" in answer:
        return None
    error = answer.get("error")
    if not isinstance(error, dict):
        error = {}
    return (int(error.get("code") or 0), str(error.get("message") or "unknown error"))


def _record_answers(votes: Sequence[Vote], answers: RpcAnswers, back_to: str) -> DeliveryReport:
    delivered: list[int] = []
    notes: dict[int, str] = {}  # vote id -> last_error for delivered votes worth a note
    rejected: dict[int, str] = {}
    admitted = duplicates = 0
    for i, vote in enumerate(votes):
        error = _call_error(answers.by_index.get(i))
        if error is None:
            admitted += 1
            delivered.append(vote.pk)
        elif error[0] in (DUPLICATE_TRANSACTION, DUPLICATE_VOTER):
            duplicates += 1
            delivered.append(vote.pk)
            if error[0] == DUPLICATE_VOTER:
                notes[vote.pk] = f"{error[0]} {error[1]}"[:300]
        else:
            rejected[vote.pk] = f"{error[0]} {error[1]}"[:300]
    now = timezone.now()
    with transaction.atomic():
        submitted = Vote.objects.filter(status=Vote.Status.SUBMITTED)
        submitted.filter(id__in=delivered).update(submitted_at=now, last_error="")
        for vote_id, note in notes.items():
            submitted.filter(id=vote_id).update(last_error=note)
        for vote_id, reason in rejected.items():
            submitted.filter(id=vote_id).update(status=back_to, last_error=reason)
    for vote_id, reason in list(rejected.items())[:5]:
        log.warning(
            'vote refused node=%s vote=%s reason="%s"', answers.endpoint.node_id, vote_id, reason
        )
    return DeliveryReport(
        claimed=len(votes),
        admitted=admitted,
        duplicates=duplicates,
        rejected=len(rejected),
        node_id=answers.endpoint.node_id,
        failed_over=answers.failed_over,
    )


def poll_receipts_until_done(limit: int = 1000, max_batches: int = 10) -> int:
    """Receipts in batches of `limit` while each batch confirms a full batch's worth (a
    burst of votes needs more than one batch per tick); how many were confirmed."""
    confirmed = 0
    for _ in range(max_batches):
        got = poll_receipts(limit)
        confirmed += got
        if got < limit:
            break
    return confirmed


def poll_receipts(limit: int = 1000) -> int:
    """Ask one validator for the receipts of submitted votes (one batch) and confirm those
    in a committed block; returns how many were confirmed."""
    waiting = list(
        Vote.objects.filter(status=Vote.Status.SUBMITTED)
        .order_by("submitted_at", "id")
        .values_list("id", "transaction_id")[:limit]
    )
    if not waiting:
        return 0
    methods = [("eth_getTransactionReceipt", [tx_id]) for _, tx_id in waiting]
    try:
        answers = rpc_with_failover(validators_to_try(), methods, rounds=1)
    except ValidatorUnavailable as exc:
        log.warning('receipts unavailable waiting=%s reason="%s"', len(waiting), exc)
        return 0
    by_block: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i, (vote_id, _) in enumerate(waiting):
        block = _receipt_block(answers.by_index.get(i))
        if block is not None:
            by_block[block].append(vote_id)
    confirmed = 0
    now = timezone.now()
    with transaction.atomic():
        for (height, block_hash), ids in by_block.items():
            confirmed += Vote.objects.filter(id__in=ids, status=Vote.Status.SUBMITTED).update(
                status=Vote.Status.CONFIRMED,
                block_height=height,
                block_hash=block_hash,
                confirmed_at=now,
                last_error="",
            )
    if confirmed:
        cast_at = Vote.objects.filter(id__in=[vote_id for vote_id, _ in waiting], confirmed_at=now)
        metrics.votes_confirmed(list(cast_at.values_list("cast_at", flat=True)), now)
    if confirmed:
        log.info(
            "votes confirmed node=%s confirmed=%s waiting=%s blocks=%s",
            answers.endpoint.node_id,
            confirmed,
            len(waiting) - confirmed,
            len(by_block),
        )
    return confirmed


def _receipt_block(answer: dict[str, Any] | None) -> tuple[int, str] | None:
    """(height, hash) from a receipt answer; None when not yet in a block or malformed."""
    receipt = answer.get("result") if answer else None
    if not isinstance(receipt, dict):
        return None
    number, block_hash = receipt.get("blockNumber"), receipt.get("blockHash")
    if not isinstance(number, str) or not isinstance(block_hash, str) or not block_hash:
        return None
    try:
        return int(number, 16), block_hash[:64]
    except ValueError:
        return None
