"""Casting a ballot. The vote is accepted when its outbox row and the roll's `voted_at`
commit together; a unique constraint (not a read-then-write) keeps it to one per voter."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
from apps.elections.services import (
    ballot_options,
    ballot_questions,
    ballot_rules,
    is_accepting_votes,
    pseudonym_of,
)
from apps.network.metrics import VOTES_ACCEPTED
from apps.votes.models import SpoiledBallot, Vote
from evcrypto import (
    CryptoError,
    ElectionKey,
    ElectionPublicKey,
    ballot_to_json,
    ballot_tracker,
    decode_revealed,
    encrypt_ballot,
    encrypt_contest_ballot,
    parse_ballot,
    verify_ballot,
    verify_spoiled_ballot,
)
from evcrypto import SpoiledBallot as RevealedBallot

log = logging.getLogger("apps.votes")


def voter_pseudonym(election: Election, user: User) -> str:
    """The voter's on-chain identity: a keyed hash, never the e-mail or user id."""
    return pseudonym_of(election, user.pk)


@dataclass(frozen=True)
class BallotParameters:
    """What a voter's own client encrypts a ballot with: the election key, the election hash
    the proofs are bound to, the candidates in ballot order, the selection limits, and the
    pseudonym the ballot is cast under (None for a user not on the roll)."""

    public_key: ElectionPublicKey
    election_hash: str
    voter_pseudonym: str | None
    candidates: list[Candidate]
    min_selections: int
    max_selections: int


def ballot_parameters(election: Election, voter: User | None) -> BallotParameters:
    """The ballot parameters of an election that has its key, for `voter` (None: no pseudonym).
    The API's public keys and the ballot page both hand these to the client."""
    if election.public_key is None:
        raise ElectionNotOpen("the election has no key until it opens")
    return BallotParameters(
        public_key=ElectionKey.from_dict(election.public_key).public_key,
        election_hash=election.election_hash,
        voter_pseudonym=voter_pseudonym(election, voter) if voter is not None else None,
        candidates=ballot_options(election),
        min_selections=election.min_selections,
        max_selections=election.max_selections,
    )


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
    rules = ballot_rules(election)
    try:
        ballot = parse_ballot(ballot_json, rules.public_key.group)
        verify_ballot(rules.parameters, rules.public_key, pseudonym, ballot)
    except CryptoError as exc:
        raise InvalidBallot(f"ballot rejected: {exc}") from exc
    tracker = ballot_tracker(ballot)
    if SpoiledBallot.objects.filter(election=election, tracker=tracker).exists():
        raise InvalidBallot(
            "ballot rejected: this ballot was spoiled and its randomness is public; encrypt afresh"
        )
    return _record(entry, pseudonym, ballot_to_json(ballot).decode(), tracker)


def cast_choice(election: Election, user: User, candidate_ids: list[int]) -> Vote:
    """The convenience path: the server encrypts the choice and forgets it at once. In an
    election of contests every contest must be `choose` (each chosen candidate counts 1);
    one with scores or points takes per-contest values (cast_values)."""
    entry = _checked_roll_entry(election, user)
    options = ballot_options(election)
    known = {c.pk for c in options}
    if (
        not candidate_ids
        or any(c not in known for c in candidate_ids)
        or len(set(candidate_ids)) != len(candidate_ids)
    ):
        raise InvalidInput("candidate_id does not name a candidate of this election")
    rules = ballot_rules(election)
    if rules.parameters.contests:
        if any(c.rule.kind != "choose" for c in rules.parameters.contests):
            raise InvalidInput(
                "this election has contests of scores or points: give a value for each "
                "option of each contest"
            )
        chosen = set(candidate_ids)
        values = {
            contest.contest_id if contest else "c1": [int(c.pk in chosen) for c in candidates]
            for contest, candidates in ballot_questions(election)
        }
        return _cast_contest_values(election, user, entry, values)
    choices = [1 if c.pk in candidate_ids else 0 for c in options]
    return _encrypt_and_record(election, user, entry, encrypt_ballot, choices)


def cast_values(election: Election, user: User, values: Mapping[str, Sequence[int]]) -> Vote:
    """The convenience path of an election of contests (record format 2): contest id -> one
    value per option (0/1 for `choose`, points for `score` and `cumulative`), encrypted by
    the server and forgotten at once. InvalidInput naming the contest at fault."""
    entry = _checked_roll_entry(election, user)
    return _cast_contest_values(election, user, entry, values)


def _cast_contest_values(
    election: Election, user: User, entry: RollEntry, values: Mapping[str, Sequence[int]]
) -> Vote:
    rules = ballot_rules(election)
    contests = rules.parameters.contests
    if not contests:
        raise InvalidInput("this election is one question: choose its candidates instead")
    if not isinstance(values, Mapping) or set(values) != {c.contest_id for c in contests}:
        raise InvalidInput(
            "values: give one list of values for each contest, by id: "
            + ", ".join(c.contest_id for c in contests)
        )
    rows = []
    for contest in contests:
        try:
            rows.append(contest.check_values(list(values[contest.contest_id])))
        except (CryptoError, TypeError) as exc:
            raise InvalidInput(f"values[{contest.contest_id}]: {exc}") from exc
    return _encrypt_and_record(election, user, entry, encrypt_contest_ballot, rows)


def _encrypt_and_record(
    election: Election, user: User, entry: RollEntry, encrypt: Any, choices: object
) -> Vote:
    """Encrypt the voter's choice on the server (either format's `encrypt`) and record it."""
    rules = ballot_rules(election)
    pseudonym = voter_pseudonym(election, user)
    try:
        ballot = encrypt(rules.parameters, rules.public_key, pseudonym, choices)
    except CryptoError as exc:
        raise InvalidBallot(f"choice cannot be cast: {exc}") from exc
    return _record(entry, pseudonym, ballot_to_json(ballot).decode(), ballot_tracker(ballot))


def spoil_ballot(
    election: Election, user: User, ballot_json: bytes, randomness: list[str], choice: list[int]
) -> SpoiledBallot:
    """Challenge a client-made ballot instead of casting it (the Benaloh challenge): check that
    it is a valid ballot of this voter in this election and that the revealed randomness
    re-creates every ciphertext for exactly the claimed choice, then store it as spoiled.

    Allowed while the voter may still cast (open election, on the roll, not yet voted): after
    casting there is nothing left to check before casting, so it is refused (409). Spoiling
    never marks the roll: the voter may spoil as often as they like and cast afterwards. The
    same ballot spoiled again returns the stored row; nothing is stored on any refusal."""
    _checked_roll_entry(election, user)
    pseudonym = voter_pseudonym(election, user)
    rules = ballot_rules(election)
    group = rules.public_key.group
    try:
        ballot = parse_ballot(ballot_json, group)
    except CryptoError as exc:
        raise InvalidBallot(f"ballot rejected: {exc}") from exc
    try:
        scalars = tuple(
            group.scalar_from_hex(value, f"randomness[{index}]")
            for index, value in enumerate(randomness)
        )
        revealed = RevealedBallot(ballot, tuple(choice), scalars)
        verify_spoiled_ballot(rules.parameters, rules.public_key, revealed, pseudonym)
    except CryptoError as exc:
        raise InvalidBallot(f"spoiled ballot rejected: {exc}") from exc
    tracker = ballot_tracker(ballot)
    if Vote.objects.filter(election=election, tracker=tracker).exists():
        raise AlreadyVoted("this ballot was cast, so it cannot be spoiled")
    spoiled, created = SpoiledBallot.objects.get_or_create(
        election=election,
        tracker=tracker,
        defaults={
            "voter_pseudonym": pseudonym,
            "ballot": ballot_to_json(ballot).decode(),
            "choice": list(revealed.choices),
            "randomness": [group.scalar_hex(r) for r in scalars],
        },
    )
    if created:
        log.info("ballot spoiled election=%s tracker=%s", election.pk, tracker)
    return spoiled


def spoiled_choice(spoiled: SpoiledBallot) -> list[Candidate]:
    """The candidates a stored spoiled ballot encrypts, decoded afresh from its ballot and
    revealed randomness (not read from its claimed choice); in an election of contests,
    those given a value other than 0."""
    candidates = ballot_options(spoiled.election)
    decoded = _decoded_values(spoiled)
    return [c for c, chosen in zip(candidates, decoded, strict=True) if chosen]


@dataclass(frozen=True)
class DecodedContest:
    """One contest of a spoiled ballot: its title and rule kind, and each option's name with
    the value the ballot encrypts for it."""

    title: str
    kind: str
    options: list[tuple[str, int]]


def spoiled_contests(spoiled: SpoiledBallot) -> list[DecodedContest]:
    """A spoiled ballot of an election of contests, contest by contest, decoded afresh as in
    spoiled_choice; empty for a single-question election."""
    contests = ballot_rules(spoiled.election).parameters.contests
    if not contests:
        return []
    decoded = _decoded_values(spoiled)
    shown, start = [], 0
    for contest in contests:
        values = decoded[start : start + len(contest.options)]
        start += len(contest.options)
        pairs = list(zip(contest.options, values, strict=True))
        shown.append(DecodedContest(contest.title, contest.rule.kind, pairs))
    return shown


def _decoded_values(spoiled: SpoiledBallot) -> list[int]:
    """Every option's value in ballot order, read from the ciphertexts with the revealed
    randomness."""
    rules = ballot_rules(spoiled.election)
    group = rules.public_key.group
    ballot = parse_ballot(spoiled.ballot, group)
    randomness = [group.scalar_from_hex(r, "randomness") for r in spoiled.randomness]
    return list(
        decode_revealed(rules.public_key, ballot, randomness, maxima=rules.parameters.value_maxima)
    )


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
    log.info(
        "vote accepted election=%s tx=%s",
        entry.election_id,
        vote.transaction_id,
        extra={"election": entry.election_id, "transaction": vote.transaction_id},
    )
    VOTES_ACCEPTED.inc()
    return vote


# One delivery run takes every pending vote, so a burst of votes needs one run, not one each:
# a task per vote flooded the worker's queue and delayed its health checks by seconds.
DELIVERY_COALESCE_SECONDS = 0.2


def _schedule_delivery() -> None:
    """Hand new votes to the network client (apps.network) as soon as the vote commits; at most
    one run is queued per DELIVERY_COALESCE_SECONDS (beat also runs delivery regularly)."""
    from apps.network.tasks import deliver_pending_votes

    if cache.add("votes:delivery-scheduled", True, timeout=DELIVERY_COALESCE_SECONDS):
        deliver_pending_votes.apply_async(countdown=DELIVERY_COALESCE_SECONDS)
