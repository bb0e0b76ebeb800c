"""Casting a ballot. The vote is accepted when its outbox row and the roll's `voted_at`
commit together; a unique constraint (not a read-then-write) keeps it to one per voter."""

from __future__ import annotations

import hashlib
import hmac
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.elections.errors import (
    AlreadyVoted,
    ElectionNotOpen,
    InvalidBallot,
    InvalidInput,
    NotOnRoll,
)
from apps.elections.models import Candidate, Election, RollEntry
from apps.elections.services import is_accepting_votes
from apps.votes.models import Vote
from evcrypto import (
    CryptoError,
    ElectionKey,
    ballot_from_json,
    ballot_to_json,
    ballot_tracker,
    encrypt_ballot,
    verify_ballot,
)

log = logging.getLogger("apps.votes")


def voter_pseudonym(election: Election, user: User) -> str:
    """The voter's on-chain identity: a keyed hash, never the e-mail or user id."""
    message = f"{election.chain_election_id}:{user.pk}".encode()
    return hmac.new(settings.PSEUDONYM_KEY.encode(), message, hashlib.sha256).hexdigest()


def _checked_roll_entry(election: Election, user: User) -> RollEntry:
    if not is_accepting_votes(election):
        raise ElectionNotOpen("this election is not open for voting")
    entry = RollEntry.objects.filter(election=election, user=user).first()
    if entry is None:
        raise NotOnRoll("you are not on this election's voter roll")
    if entry.voted_at is not None:
        raise AlreadyVoted("you have already voted in this election")
    return entry


def cast_ballot(election: Election, user: User, ballot_json: bytes) -> Vote:
    """Check and record a client-made encrypted ballot; returns the accepted vote."""
    entry = _checked_roll_entry(election, user)
    pseudonym = voter_pseudonym(election, user)
    public_key = ElectionKey.from_dict(election.public_key).public_key
    candidate_count = election.candidates.count()
    try:
        ballot = ballot_from_json(ballot_json, public_key.group)
        verify_ballot(
            public_key,
            election.election_hash,
            pseudonym,
            ballot,
            candidate_count,
            election.min_selections,
            election.max_selections,
        )
    except CryptoError as exc:
        raise InvalidBallot(f"ballot rejected: {exc}") from exc
    return _record(entry, pseudonym, ballot_to_json(ballot).decode(), ballot_tracker(ballot))


def cast_choice(election: Election, user: User, candidate_ids: list[int]) -> Vote:
    """The convenience path: the server encrypts the choice and forgets it at once."""
    entry = _checked_roll_entry(election, user)
    positions = dict(Candidate.objects.filter(election=election).values_list("id", "position"))
    if (
        not candidate_ids
        or any(c not in positions for c in candidate_ids)
        or len(set(candidate_ids)) != len(candidate_ids)
    ):
        raise InvalidInput("candidate_id does not name a candidate of this election")
    chosen = {positions[c] for c in candidate_ids}
    choices = [1 if position in chosen else 0 for position in range(len(positions))]
    pseudonym = voter_pseudonym(election, user)
    public_key = ElectionKey.from_dict(election.public_key).public_key
    try:
        ballot = encrypt_ballot(
            public_key,
            election.election_hash,
            pseudonym,
            choices,
            election.min_selections,
            election.max_selections,
        )
    except CryptoError as exc:
        raise InvalidBallot(f"choice cannot be cast: {exc}") from exc
    return _record(entry, pseudonym, ballot_to_json(ballot).decode(), ballot_tracker(ballot))


def _record(entry: RollEntry, pseudonym: str, ballot: str, tracker: str) -> Vote:
    """One transaction: mark the roll entry voted and put the vote in the outbox."""
    try:
        with transaction.atomic():
            marked = RollEntry.objects.filter(pk=entry.pk, voted_at__isnull=True).update(
                voted_at=timezone.now()
            )
            if not marked:
                raise AlreadyVoted("you have already voted in this election")
            vote = Vote.objects.create(
                election_id=entry.election_id,
                voter_pseudonym=pseudonym,
                ballot=ballot,
                tracker=tracker,
            )
            transaction.on_commit(_schedule_delivery)
    except IntegrityError as exc:
        raise AlreadyVoted("you have already voted in this election") from exc
    log.info("vote accepted election=%s tx=%s", entry.election_id, vote.transaction_id)
    return vote


# One delivery run takes every pending vote, so a burst of votes needs one run, not one each:
# a task per vote flooded the worker's queue and delayed its health checks by seconds.
DELIVERY_COALESCE_SECONDS = 0.2


def _schedule_delivery() -> None:
    """Hand new votes to the chain client (apps.chain) as soon as the vote commits; at most
    one run is queued per DELIVERY_COALESCE_SECONDS (beat also runs delivery regularly)."""
    from apps.chain.tasks import deliver_pending_votes

    if cache.add("votes:delivery-scheduled", True, timeout=DELIVERY_COALESCE_SECONDS):
        deliver_pending_votes.apply_async(countdown=DELIVERY_COALESCE_SECONDS)
