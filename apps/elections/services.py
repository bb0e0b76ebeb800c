"""The verbs that change elections. Views, the API, the admin and commands all call these."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.invitations import queue_invitations
from apps.accounts.models import User
from apps.elections.errors import InvalidInput, WrongState
from apps.elections.models import Candidate, Contest, Election, Job, RollEntry
from apps.elections.progress import CLOSING, IMPORTING, NO_PROGRESS, Progress
from apps.trustees.ceremony import election_key_of
from evcrypto import (
    Choose,
    CryptoError,
    Cumulative,
    ElectionKey,
    ElectionParameters,
    ElectionPublicKey,
    Score,
    weight_roll_hash,
)
from evcrypto import Contest as BallotContest
from evcrypto.contests import MAX_CONTESTS, Rule, check_weight

# The API's limit on one question's candidates, and on the options of all contests.
MAX_OPTIONS = 100

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


@dataclass(frozen=True)
class ContestSpec:
    """One contest of a new election: its title, options and counting rule (`kind` and the
    fields that kind uses, as on apps.elections.models.Contest)."""

    title: str
    options: Sequence[str]
    kind: str = Contest.Kind.CHOOSE
    min_selections: int = 1
    max_selections: int = 1
    max_score: int = 5
    points: int = 10
    max_per_option: int = 10


def create_contest_election(
    title: str,
    contests: Sequence[ContestSpec],
    description: str = "",
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Election:
    """An election of one or more contests, each with its counting rule. A single `choose`
    contest is one question: it is made by create_election (format 1), its options the
    candidates. InvalidInput naming the contest and field at fault; nothing is stored then."""
    if not title.strip():
        raise InvalidInput("an election needs a title")
    if not 1 <= len(contests) <= MAX_CONTESTS:
        raise InvalidInput(f"contests: an election holds 1 to {MAX_CONTESTS} contests")
    cleaned = [_checked_contest(index, spec) for index, spec in enumerate(contests)]
    if sum(len(spec.options) for spec in cleaned) > MAX_OPTIONS:
        raise InvalidInput(f"contests: at most {MAX_OPTIONS} options in all")
    check_schedule(opens_at, closes_at)
    if len(cleaned) == 1 and cleaned[0].kind == Contest.Kind.CHOOSE:
        only = cleaned[0]
        return create_election(
            title,
            list(only.options),
            description,
            only.min_selections,
            only.max_selections,
            opens_at,
            closes_at,
        )
    with transaction.atomic():
        election = Election.objects.create(
            title=title.strip(), description=description, opens_at=opens_at, closes_at=closes_at
        )
        position = 0
        for index, spec in enumerate(cleaned):
            rule = {name: getattr(spec, name) for name in Contest.FIELDS if name != "position"}
            contest = Contest.objects.create(election=election, position=index, **rule)
            for name in spec.options:
                Candidate.objects.create(
                    election=election, contest=contest, name=name, position=position
                )
                position += 1
    log.info("election created id=%s contests=%s options=%s", election.pk, len(cleaned), position)
    return election


def _checked_contest(index: int, spec: ContestSpec) -> ContestSpec:
    """`spec` with its text stripped, if its title, options and rule are valid."""
    where = f"contests[{index}]"
    title = spec.title.strip() if isinstance(spec.title, str) else ""
    if not title or len(title) > 200:
        raise InvalidInput(f"{where}.title: a contest needs a title of 1 to 200 characters")
    names = [name.strip() for name in spec.options if isinstance(name, str)]
    if (
        not names
        or len(names) != len(spec.options)
        or any(not name or len(name) > 200 for name in names)
        or len(set(names)) != len(names)
    ):
        raise InvalidInput(
            f"{where}.options: a contest needs at least one option, each a distinct name of "
            "1 to 200 characters"
        )
    if spec.kind not in Contest.Kind.values:
        raise InvalidInput(f"{where}.kind: must be one of {', '.join(Contest.Kind.values)}")
    checked = replace(spec, title=title, options=names)
    try:
        BallotContest(f"c{index + 1}", title, tuple(names), contest_rule(checked))
    except CryptoError as exc:
        raise InvalidInput(f"{where}: {exc}") from exc
    return checked


def contest_rule(contest: Contest | ContestSpec) -> Rule:
    """The evcrypto counting rule of a contest (CryptoError if its fields are out of range)."""
    if contest.kind == Contest.Kind.SCORE:
        return Score(contest.max_score)
    if contest.kind == Contest.Kind.CUMULATIVE:
        return Cumulative(contest.points, contest.max_per_option)
    return Choose(contest.min_selections, contest.max_selections)


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
    weight: int | None = None  # None: 1 for a new voter, unchanged for one on the roll


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
    A row's weight, when given, is the voter's weight (a voter already on the roll takes it).
    The roll is fixed once the election opens: nobody can be added to a running election.
    Each account made here gets an invitation to set its password, once the roll commits."""
    rows = list(rows)
    for row in rows:
        try:
            if row.weight is not None:
                check_weight(row.weight, f"weight of {row.email.strip().lower()}")
        except CryptoError as exc:
            raise InvalidInput(str(exc)) from exc
    progress.step(IMPORTING, len(rows))
    current = Election.objects.select_for_update().get(pk=election.pk)
    if current.state != Election.State.DRAFT:
        raise WrongState(f"the voter roll is fixed once the election opens (it is {current.state})")
    if current.ceremony_id and (
        weights_fixed(current) or any(row.weight not in (None, 1) for row in rows)
    ):
        raise WrongState(WEIGHTS_FIXED)
    added = existing = 0
    invited: list[int] = []
    for row in rows:
        email = row.email.strip().lower()
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, None, name=row.name.strip())
            invited.append(user.pk)
        entry, new = RollEntry.objects.get_or_create(
            election=election, user=user, defaults={"weight": row.weight or 1}
        )
        if not new and row.weight is not None and entry.weight != row.weight:
            RollEntry.objects.filter(pk=entry.pk).update(weight=row.weight)
        added += new
        existing += not new
        progress.advance()
    if invited:
        queue_invitations(election, invited)
    return RollResult(added, existing, len(invited))


WEIGHTS_FIXED = (
    "the key ceremony has started and the election weights its voters: its roll and weights "
    "are committed in the ballot; restart the ceremony to change them"
)


def weights_fixed(election: Election) -> bool:
    """Whether the election's roll and weights are fixed: a weighted election whose key
    ceremony has started (its parameters commit to the weight roll)."""
    return bool(election.ceremony_id and (election.parameters or {}).get("weighted"))


@transaction.atomic
def set_voter_weight(entry: RollEntry, weight: int) -> RollEntry:
    """Change one voter's weight while the election is a draft whose roll is not committed:
    before its key ceremony starts (a weight other than 1 makes the election weighted)."""
    try:
        check_weight(weight, "weight")
    except CryptoError as exc:
        raise InvalidInput(str(exc)) from exc
    current = Election.objects.select_for_update().get(pk=entry.election_id)
    if current.state != Election.State.DRAFT:
        raise WrongState(f"the voter roll is fixed once the election opens (it is {current.state})")
    if current.ceremony_id and (weights_fixed(current) or weight != 1):
        raise WrongState(WEIGHTS_FIXED)
    RollEntry.objects.filter(pk=entry.pk).update(weight=weight)
    entry.refresh_from_db()
    return entry


def pseudonym_of(election: Election, user_id: int) -> str:
    """The voter's on-chain identity: a keyed hash, never the e-mail or user id."""
    message = f"{election.chain_election_id}:{user_id}".encode()
    return hmac.new(settings.PSEUDONYM_KEY.encode(), message, hashlib.sha256).hexdigest()


def weight_roll(election: Election) -> dict[str, int]:
    """Every voter on the roll by pseudonym, with their weight."""
    return {
        pseudonym_of(election, user_id): weight
        for user_id, weight in election.roll.values_list("user_id", "weight")
    }


def ballot_questions(election: Election) -> list[tuple[Contest | None, list[Candidate]]]:
    """The election's questions in ballot order, each with its candidates in option order:
    its contests, or (None, every candidate) for a single-question election."""
    candidates = list(election.candidates.order_by("position"))
    contests = list(election.contests.order_by("position"))
    if not contests:
        return [(None, candidates)]
    orphans = [c.name for c in candidates if c.contest_id is None]
    if orphans:
        raise InvalidInput(f"candidate {orphans[0]!r} is in no contest of this election")
    return [
        (contest, [c for c in candidates if c.contest_id == contest.pk]) for contest in contests
    ]


def ballot_options(election: Election) -> list[Candidate]:
    """Every candidate in ballot order: contest after contest (the record's option order)."""
    return [c for _, candidates in ballot_questions(election) for c in candidates]


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
    """The ballot as the key ceremony fixes it: candidates, limits, and k of n trustees.

    Format 1 for one question (no contests, or one `choose` contest) whose voters all weigh
    1; otherwise format 2: its contests (a weighted single question is one `choose`
    contest), and for a weighted roll the commitment to it (`weights_hash`)."""
    questions = ballot_questions(election)
    weighted = election.roll.exclude(weight=1).exists()
    threshold, trustee_count = election.threshold, max(election.trustees.count(), 1)
    first = questions[0][0]
    if not weighted and len(questions) == 1 and (first is None or first.kind == "choose"):
        limits = election if first is None else first
        return ElectionParameters(
            election.chain_election_id,
            election.title,
            tuple(c.name for c in questions[0][1]),
            limits.min_selections,
            limits.max_selections,
            threshold=threshold,
            trustee_count=trustee_count,
        )
    contests = tuple(
        BallotContest(
            "c1" if contest is None else contest.contest_id,
            election.title if contest is None else contest.title,
            tuple(c.name for c in candidates),
            Choose(election.min_selections, election.max_selections)
            if contest is None
            else contest_rule(contest),
        )
        for contest, candidates in questions
    )
    return ElectionParameters(
        election.chain_election_id,
        election.title,
        contests=contests,
        weighted=weighted,
        weights_hash=weight_roll_hash(weight_roll(election), contests) if weighted else None,
        threshold=threshold,
        trustee_count=trustee_count,
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
