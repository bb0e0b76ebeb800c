"""The verbs that change elections. Views, the API, the admin and commands all call these."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.db import transaction
from django.utils import timezone

from apps.accounts.invitations import queue_invitations
from apps.accounts.models import User
from apps.elections.errors import InvalidInput, WrongState
from apps.elections.models import Candidate, Election, Job, RollEntry
from apps.elections.progress import CLOSING, IMPORTING, NO_PROGRESS, Progress
from apps.trustees.ceremony import election_key_of
from evcrypto import CryptoError, ElectionKey, ElectionParameters, ElectionPublicKey

log = logging.getLogger("apps.elections")


def create_election(
    title: str,
    candidates: list[str],
    description: str = "",
    min_selections: int = 1,
    max_selections: int = 1,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Election:
    names = [name.strip() for name in candidates]
    if not title.strip():
        raise InvalidInput("an election needs a title")
    if not names or any(not name for name in names) or len(set(names)) != len(names):
        raise InvalidInput("an election needs at least one candidate, each with a distinct name")
    if not 0 <= min_selections <= max_selections <= len(names) or max_selections < 1:
        raise InvalidInput(
            "selections must satisfy 0 <= min <= max <= number of candidates, max >= 1"
        )
    check_schedule(opens_at, closes_at)
    with transaction.atomic():
        election = Election.objects.create(
            title=title.strip(),
            description=description,
            min_selections=min_selections,
            max_selections=max_selections,
            opens_at=opens_at,
            closes_at=closes_at,
        )
        Candidate.objects.bulk_create(
            Candidate(election=election, name=name, position=i) for i, name in enumerate(names)
        )
    log.info("election created id=%s candidates=%s", election.pk, len(names))
    return election


def check_schedule(opens_at: datetime | None, closes_at: datetime | None) -> None:
    """An election closes after it opens: InvalidInput when both times are set and not so."""
    if opens_at and closes_at and closes_at <= opens_at:
        raise InvalidInput(
            f"the election must close after it opens: closes_at ({closes_at.isoformat()}) "
            f"is not later than opens_at ({opens_at.isoformat()})"
        )


@dataclass(frozen=True)
class VoterRow:
    email: str
    name: str = ""


@dataclass(frozen=True)
class RollResult:
    added: int
    already_on_roll: int
    users_created: int


@transaction.atomic
def add_voters(
    election: Election, rows: Iterable[VoterRow], progress: Progress = NO_PROGRESS
) -> RollResult:
    """Put voters on the roll, creating their accounts; idempotent (a voter is added once).
    The roll is fixed once the election opens: nobody can be added to a running election.
    Each account made here gets an invitation to set its password, once the roll commits."""
    rows = list(rows)
    progress.step(IMPORTING, len(rows))
    current = Election.objects.select_for_update().get(pk=election.pk)
    if current.state != Election.State.DRAFT:
        raise WrongState(f"the voter roll is fixed once the election opens (it is {current.state})")
    added = existing = 0
    invited: list[int] = []
    for row in rows:
        email = row.email.strip().lower()
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, None, name=row.name.strip())
            invited.append(user.pk)
        _, new = RollEntry.objects.get_or_create(election=election, user=user)
        added += new
        existing += not new
        progress.advance()
    if invited:
        queue_invitations(election, invited)
    return RollResult(added, existing, len(invited))


def invite_again(election: Election, emails: list[str]) -> int:
    """Queue the invitation again for these voters on the roll (for every voter who never
    logged in when `emails` is empty); how many."""
    roll = election.roll.all()
    if emails:
        roll = roll.filter(user__email__in=[e.strip().lower() for e in emails])
    else:
        roll = roll.filter(user__last_login__isnull=True)
    user_ids = list(roll.values_list("user_id", flat=True))
    if user_ids:
        queue_invitations(election, user_ids)
    return len(user_ids)


def election_parameters(election: Election) -> ElectionParameters:
    """The ballot as the key ceremony fixes it: candidates, limits, and k of n trustees."""
    names = tuple(election.candidates.order_by("position").values_list("name", flat=True))
    return ElectionParameters(
        election.chain_election_id,
        election.title,
        names,
        election.min_selections,
        election.max_selections,
        threshold=election.threshold,
        trustee_count=max(election.trustees.count(), 1),
    )


def open_election(election: Election) -> Election:
    """draft -> open, once the trustees' key ceremony is complete: the election key is the
    one their commitments make, and the ballot is the one the ceremony fixed. The election's
    row is held meanwhile, so no trustee is replaced between the check and the opening."""
    with transaction.atomic():
        locked = Election.objects.select_for_update().get(pk=election.pk)
        if locked.state != Election.State.DRAFT:
            raise WrongState(f"only a draft election can open (this one is {locked.state})")
        election_key = election_key_of(locked)
        # Conditional as well as locked: where the database has no row locks (SQLite), a
        # second opening at the same moment changes nothing and is refused.
        opened = Election.objects.filter(pk=locked.pk, state=Election.State.DRAFT).update(
            state=Election.State.OPEN,
            opened_at=timezone.now(),
            public_key=election_key.to_dict(),
            schedule_problem="",
        )
        if not opened:
            raise WrongState("only a draft election can open (this one has just opened)")
    election.refresh_from_db()
    log.info(
        "election opened id=%s hash=%s",
        election.pk,
        election.election_hash[:16],
        extra={"election": election.pk},
    )
    return election


def start_closing(election: Election, user: User | None = None) -> Job:
    """What the close button, the API and the schedule call: the closing runs as a job on the
    worker (apps.elections.jobs), with its progress on the election's page."""
    from apps.elections.jobs import start_job

    if election.state != Election.State.OPEN:
        raise WrongState(f"only an open election can close (this one is {election.state})")
    return start_job(Job.Kind.CLOSE, election, user)


def close_election(election: Election, progress: Progress = NO_PROGRESS) -> Election:
    progress.step(CLOSING, 1)
    updated = Election.objects.filter(pk=election.pk, state=Election.State.OPEN).update(
        state=Election.State.CLOSED, closed_at=timezone.now()
    )
    if not updated:
        raise WrongState(f"only an open election can close (this one is {election.state})")
    election.refresh_from_db()
    progress.advance()
    log.info("election closed id=%s", election.pk, extra={"election": election.pk})
    return election


@dataclass(frozen=True)
class BallotRules:
    """What a ballot of an open election is checked against: fixed once it opens."""

    public_key: ElectionPublicKey
    parameters: ElectionParameters


def ballot_rules(election: Election) -> BallotRules:
    """The open election's key and parameters, parsed once per process (they never change
    while it is open: a restarted ceremony makes another election hash)."""
    if election.public_key is None or election.parameters is None:
        raise InvalidInput("the election has no key until it opens")
    return _parsed_rules(
        election.pk,
        election.election_hash,
        json.dumps(election.public_key, sort_keys=True),
        json.dumps(election.parameters, sort_keys=True),
    )


@lru_cache(maxsize=64)
def _parsed_rules(
    election_id: int, election_hash: str, key_json: str, parameters_json: str
) -> BallotRules:
    try:
        rules = BallotRules(
            ElectionKey.from_dict(json.loads(key_json)).public_key,
            ElectionParameters.from_dict(json.loads(parameters_json)),
        )
    except CryptoError as exc:
        raise InvalidInput(f"the election's key material does not parse: {exc}") from exc
    if rules.parameters.election_hash != election_hash:
        raise InvalidInput("the election's parameters do not hash to its election hash")
    return rules


def is_accepting_votes(election: Election) -> bool:
    now = timezone.now()
    if election.state != Election.State.OPEN:
        return False
    if election.opens_at and now < election.opens_at:
        return False
    return not (election.closes_at and now >= election.closes_at)
