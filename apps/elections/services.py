"""The verbs that change elections. Views, the API, the admin and commands all call these."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.elections import keys
from apps.elections.errors import InvalidInput, WrongState
from apps.elections.models import Candidate, Election, RollEntry
from evcrypto import CryptoError, ElectionParameters, generate_election_key

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
    if opens_at and closes_at and closes_at <= opens_at:
        raise InvalidInput("closes_at must be after opens_at")
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


@dataclass(frozen=True)
class VoterRow:
    email: str
    name: str = ""
    password: str | None = None


@dataclass(frozen=True)
class RollResult:
    added: int
    already_on_roll: int
    users_created: int


@transaction.atomic
def add_voters(election: Election, rows: Iterable[VoterRow]) -> RollResult:
    """Put voters on the roll, creating their accounts; idempotent (a voter is added once)."""
    added = existing = created = 0
    for row in rows:
        email = row.email.strip().lower()
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, row.password, name=row.name)
            created += 1
        _, new = RollEntry.objects.get_or_create(election=election, user=user)
        added += new
        existing += not new
    return RollResult(added, existing, created)


def election_parameters(election: Election) -> ElectionParameters:
    names = tuple(election.candidates.order_by("position").values_list("name", flat=True))
    return ElectionParameters(
        election.chain_election_id,
        election.title,
        names,
        election.min_selections,
        election.max_selections,
    )


def open_election(election: Election) -> Election:
    """draft -> open: fix the parameters and generate the election key (sealed at rest)."""
    try:
        parameters = election_parameters(election)
    except CryptoError as exc:
        raise InvalidInput(f"election cannot open: {exc}") from exc
    election_key, trustee_key = generate_election_key(parameters.election_hash)
    updated = Election.objects.filter(pk=election.pk, state=Election.State.DRAFT).update(
        state=Election.State.OPEN,
        opened_at=timezone.now(),
        election_hash=parameters.election_hash,
        parameters=parameters.to_dict(),
        public_key=election_key.to_dict(),
        sealed_private_key=keys.seal(trustee_key),
    )
    if not updated:
        raise WrongState(f"only a draft election can open (this one is {election.state})")
    election.refresh_from_db()
    log.info("election opened id=%s hash=%s", election.pk, election.election_hash[:16])
    return election


def close_election(election: Election) -> Election:
    updated = Election.objects.filter(pk=election.pk, state=Election.State.OPEN).update(
        state=Election.State.CLOSED, closed_at=timezone.now()
    )
    if not updated:
        raise WrongState(f"only an open election can close (this one is {election.state})")
    election.refresh_from_db()
    log.info("election closed id=%s", election.pk)
    return election


def is_accepting_votes(election: Election) -> bool:
    now = timezone.now()
    if election.state != Election.State.OPEN:
        return False
    if election.opens_at and now < election.opens_at:
        return False
    return not (election.closes_at and now >= election.closes_at)
