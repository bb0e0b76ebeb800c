"""Tallying: closed -> tallying -> tallied.

1. `begin_tally` reads the election's ballots from the validators (validators.audit: every
   chain checked back to genesis, certificates and submitter signatures included) and keeps
   those that at least q validators hold, each matching an accepted vote of the outbox. It
   refuses while any accepted vote is missing from that set, while fallback ballots wait to
   be replayed (they are never decrypted on their own), or when there would be more ballots
   than voters who voted. It fixes the aggregate the trustees are to decrypt.
2. Each trustee checks that aggregate against the chain on its own machine (the trustee
   command) and uploads a partial decryption; `accept_partial_decryption` checks its proofs.
3. With k valid partial decryptions `publish_tally` combines them and publishes the counts.
No election secret is on this server at any step.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from apps.elections.errors import (
    DeliveryInProgress,
    DomainError,
    FallbackNotReplayed,
    InvalidPartialDecryption,
    NotEnoughDecryptions,
    TallyUnavailable,
    WrongState,
)
from apps.elections.models import Election
from apps.elections.progress import (
    AGGREGATING,
    CHECKING,
    NO_PROGRESS,
    PUBLISHING,
    READING,
    WAITING,
    Progress,
)
from apps.elections.services import ballot_questions, weight_roll
from apps.network.genesis import network_genesis
from apps.trustees.models import DecryptionShare, Trustee
from apps.votes.models import Vote
from evcrypto import (
    Aggregate,
    CryptoError,
    ElectionKey,
    ElectionParameters,
    PartialDecryption,
    combine_decryption,
    verified_aggregate,
    verify_election_key,
    verify_partial_decryption,
)
from validators.audit import AuditError, CertifiedReading, read_certified

log = logging.getLogger("apps.elections")


def tally_election(election: Election, progress: Progress = NO_PROGRESS) -> Election:
    """The official's one button: start the tally of a closed election, or publish the
    results of one whose trustees have sent enough partial decryptions."""
    if election.state == Election.State.TALLYING:
        return publish_tally(election, progress)
    return begin_tally(election, progress)


def check_tally_can_start(election: Election) -> None:
    """The quick refusals, before a tally is queued for the worker: the wrong state, votes
    still in delivery or on the fallback ledger, too few partial decryptions to publish."""
    if election.state == Election.State.TALLYING:
        shares = list(
            DecryptionShare.objects.filter(election=election).select_related("trustee__user")
        )
        if len(shares) < election.threshold:
            raise NotEnoughDecryptions(_waiting_for(election, shares))
        return
    if election.state != Election.State.CLOSED:
        raise WrongState(f"only a closed election can be tallied (this one is {election.state})")
    _check_outbox_settled(election)


def begin_tally(election: Election, progress: Progress = NO_PROGRESS) -> Election:
    """closed -> tallying: fix the set of ballots and their aggregate. `progress` hears each
    step (reading the chain, checking blocks, aggregating, then waiting for trustees)."""
    if election.state != Election.State.CLOSED:
        raise WrongState(f"only a closed election can be tallied (this one is {election.state})")
    _check_outbox_settled(election)
    parameters, election_key = checked_election_key(election)
    reading = _read_chain(parameters, progress)
    counted, excluded = _match_outbox(election, reading, progress)
    progress.step(AGGREGATING, len(counted))
    try:
        encrypted = verified_aggregate(
            parameters,
            election_key.public_key,
            [(b.payload.encode(), b.voter_pseudonym) for b in counted],
            on_progress=progress.advance,
            weights=weight_roll(election) if parameters.weighted else None,
        )
    except CryptoError as exc:
        raise DomainError(f"a ballot on chain does not verify: {exc}") from exc
    report = reading.report() | {
        "ballots": len(counted),
        "chain_height": max((b.block_height for b in counted), default=0),
        "excluded": excluded,
        "read_at": timezone.now().isoformat(),
    }
    updated = Election.objects.filter(pk=election.pk, state=Election.State.CLOSED).update(
        state=Election.State.TALLYING,
        aggregate=encrypted.to_dict(),
        tally_report=report,
        tally_started_at=timezone.now(),
    )
    if not updated:
        raise WrongState("the election's tally was started concurrently")
    progress.step(WAITING, election.threshold)
    election.refresh_from_db()
    log.info(
        "tally started id=%s ballots=%s excluded=%s validators_verified=%s",
        election.pk,
        len(counted),
        len(excluded),
        sum(1 for r in reading.readings if r.chain is not None),
    )
    return election


def checked_election_key(election: Election) -> tuple[ElectionParameters, ElectionKey]:
    """The election key, re-checked against the election hash (the trustees' proofs bind it),
    and the hash against the parameters; the chain id comes from those parameters."""
    try:
        parameters = ElectionParameters.from_dict(election.parameters)
        election_key = ElectionKey.from_dict(election.public_key)
        if parameters.election_hash != election.election_hash:
            raise CryptoError("the parameters do not hash to the election hash")
        verify_election_key(election_key, election.election_hash)
    except CryptoError as exc:
        raise DomainError(f"the election's key material does not check out: {exc}") from exc
    if parameters.election_id != election.chain_election_id:
        raise DomainError(
            "the election's chain id differs from the one its trustees' key is bound to; "
            "refusing to tally"
        )
    return parameters, election_key


def _check_outbox_settled(election: Election) -> None:
    statuses = dict(
        Vote.objects.filter(election=election)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    in_flight = statuses.get(Vote.Status.PENDING, 0) + statuses.get(Vote.Status.SUBMITTED, 0)
    if in_flight:
        raise DeliveryInProgress(
            f"{in_flight} votes are still being delivered to the validators; tally once they "
            "are confirmed"
        )
    waiting = statuses.get(Vote.Status.FALLBACK, 0)
    if waiting:
        raise FallbackNotReplayed(
            f"{waiting} ballots are on the fallback ledger only; they must be replayed onto "
            "the validators before the tally (they are never decrypted on their own)"
        )


def _read_chain(parameters: ElectionParameters, progress: Progress) -> CertifiedReading:
    genesis = network_genesis()
    progress.step(READING)
    try:
        return read_certified(genesis, parameters.election_id, on_progress=progress.report)
    except AuditError as exc:
        raise TallyUnavailable(f"the validators' chain cannot be certified: {exc}") from exc


def _match_outbox(
    election: Election, reading: CertifiedReading, progress: Progress = NO_PROGRESS
) -> tuple[list[Any], list[dict[str, str]]]:
    """The certified ballots that match an accepted vote, and the others (named)."""
    progress.step(CHECKING, len(reading.ballots))
    accepted = dict(
        Vote.objects.filter(election=election).values_list("tracker", "voter_pseudonym")
    )
    counted, excluded = [], []
    for ballot in reading.ballots:
        if accepted.get(ballot.tracker) == ballot.voter_pseudonym:
            counted.append(ballot)
        else:
            excluded.append(
                {"tx_id": ballot.tx_id, "tracker": ballot.tracker, "why": "no accepted vote"}
            )
        progress.advance()
    missing = len(accepted) - len(counted)
    if missing:
        behind = [r.node_id for r in reading.readings if r.chain is None]
        raise TallyUnavailable(
            f"{missing} accepted votes are not held by {reading.quorum} validators whose chains "
            f"verify (validators set aside: {', '.join(behind) or 'none'}); try again once "
            "the validators have caught up"
        )
    voted = election.roll.filter(voted_at__isnull=False).count()
    if len(counted) > voted:
        raise DomainError(f"{len(counted)} ballots but only {voted} voters voted; refusing")
    return counted, excluded


def accept_partial_decryption(trustee: Trustee, data: object) -> Election:
    """Check one trustee's partial decryption of the fixed aggregate and keep it; with k of
    them the results are published at once, in the same transaction."""
    with transaction.atomic():
        election = Election.objects.select_for_update().get(pk=trustee.election_id)
        if election.state != Election.State.TALLYING:
            raise WrongState(f"the election is {election.state}, not waiting for decryptions")
        partial = _checked_partial(election, trustee, data)
        earlier = DecryptionShare.objects.filter(election=election, trustee=trustee).first()
        if earlier is not None and earlier.partial_decryption != partial.to_dict():
            raise WrongState("you already sent a partial decryption for this tally")
        if earlier is None:
            DecryptionShare.objects.create(
                election=election, trustee=trustee, partial_decryption=partial.to_dict()
            )
        log.info("partial decryption accepted election=%s trustee=%s", election.pk, trustee.index)
        if DecryptionShare.objects.filter(election=election).count() >= election.threshold:
            _publish(election)
    election.refresh_from_db()
    return election


def _checked_partial(election: Election, trustee: Trustee, data: object) -> PartialDecryption:
    who = f"trustee {trustee.index} ({trustee.user.email})"
    election_key = ElectionKey.from_dict(election.public_key)
    try:
        partial = PartialDecryption.from_dict(election_key.group, data, "partial decryption")
        if partial.trustee != trustee.index:
            raise CryptoError(f"it is trustee {partial.trustee}'s")
        encrypted = Aggregate.from_dict(election_key.group, election.aggregate)
        verify_partial_decryption(election_key, encrypted, partial, election.election_hash)
    except CryptoError as exc:
        log.warning("partial decryption refused election=%s %s: %s", election.pk, who, exc)
        raise InvalidPartialDecryption(f"partial decryption from {who} refused: {exc}") from exc
    return partial


def publish_tally(election: Election, progress: Progress = NO_PROGRESS) -> Election:
    """tallying -> tallied: combine the partial decryptions (k needed) and publish."""
    progress.step(PUBLISHING, 1)
    with transaction.atomic():
        election = Election.objects.select_for_update().get(pk=election.pk)
        if election.state != Election.State.TALLYING:
            raise WrongState(f"the election is {election.state}, not waiting for decryptions")
        _publish(election)
    progress.advance()
    election.refresh_from_db()
    return election


def _publish(election: Election) -> None:
    """Within the caller's transaction, holding the election's row."""
    shares = list(DecryptionShare.objects.filter(election=election).select_related("trustee__user"))
    if len(shares) < election.threshold:
        raise NotEnoughDecryptions(_waiting_for(election, shares))
    results = _combined(election, shares)
    Election.objects.filter(pk=election.pk).update(
        state=Election.State.TALLIED, results=results, tallied_at=timezone.now()
    )
    log.info(
        "election tallied id=%s ballots=%s",
        election.pk,
        results["ballots"],
        extra={"election": election.pk},
    )


def _waiting_for(election: Election, shares: list[DecryptionShare]) -> str:
    sent = ", ".join(f"trustee {s.trustee.index} ({s.trustee.user.email})" for s in shares)
    return (
        f"{len(shares)} of the {election.threshold} partial decryptions needed "
        f"({'from ' + sent if shares else 'none yet'}); waiting for "
        f"{election.threshold - len(shares)} more trustee(s) to run `trustee decrypt`"
    )


def _combined(election: Election, shares: list[DecryptionShare]) -> dict[str, Any]:
    election_key = ElectionKey.from_dict(election.public_key)
    group = election_key.group
    try:
        parameters = ElectionParameters.from_dict(election.parameters)
        encrypted = Aggregate.from_dict(group, election.aggregate)
        partials = [
            PartialDecryption.from_dict(group, s.partial_decryption, "partial decryption")
            for s in shares
        ]
        tally = combine_decryption(
            election_key, encrypted, partials, election.election_hash, parameters.value_maxima
        )
    except CryptoError as exc:
        raise DomainError(f"the partial decryptions do not combine: {exc}") from exc
    report = election.tally_report or {}
    results: dict[str, Any] = {
        "counts": list(tally.counts),
        "ballots": encrypted.ballot_count,
        "aggregate": election.aggregate,
        "decryption": {
            "counts": list(tally.counts),
            "partial_decryptions": [p.to_dict() for p in tally.partial_decryptions],
        },
        "report": report,
    }
    if parameters.contests:
        results |= contest_results(election, parameters, encrypted, tally.counts)
    return results


def contest_results(
    election: Election,
    parameters: ElectionParameters,
    encrypted: Aggregate,
    counts: Sequence[int],
) -> dict[str, Any]:
    """A format-2 tally's results per contest: each option's (weighted) total, in ballot
    order, with the contest's rule; and the weight the totals count."""
    questions = ballot_questions(election)
    contests = []
    start = 0
    for contest, (_, candidates) in zip(parameters.contests, questions, strict=True):
        totals = counts[start : start + len(contest.options)]
        start += len(contest.options)
        contests.append(
            {
                "id": contest.contest_id,
                "title": contest.title,
                "rule": contest.rule.to_dict(),
                "options": [
                    {"candidate_id": c.pk, "name": name, "total": total}
                    for c, name, total in zip(candidates, contest.options, totals, strict=True)
                ],
            }
        )
    return {
        "contests": contests,
        "weighted": parameters.weighted,
        "total_weight": encrypted.counted_weight,
    }
