"""Copy an election as a new draft: its ballot, rules and roll, none of its record.

The copy is a new election with its own chain id: a draft with no key ceremony, no dates, no
votes and no results. What it takes from the original is listed here and nowhere else: the
election's own fields in COPIED_FIELDS, and each kind of per-election data (contests with
their candidates, the roll with its weights) by one function in COPIED_RELATIONS. Copying
more is adding it to one of the two. Trustees are not copied: naming them starts the key
ceremony, which fixes the ballot, so the official names them on the copy when it is ready.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

from apps.elections.models import Candidate, Contest, Election, RollEntry

log = logging.getLogger("apps.elections")

COPY_SUFFIX = " (copy)"

# The election's fields a copy takes as they are (the title takes COPY_SUFFIX besides).
COPIED_FIELDS = ("description", "min_selections", "max_selections", "threshold")


def _contests_and_candidates(source: Election, copy: Election) -> None:
    """The contests with their rules, and the candidates each in the copy of its contest."""
    copied = {
        contest.pk: Contest.objects.create(
            election=copy, **{name: getattr(contest, name) for name in Contest.FIELDS}
        )
        for contest in source.contests.order_by("position")
    }
    Candidate.objects.bulk_create(
        Candidate(
            election=copy,
            contest=copied.get(candidate.contest_id) if candidate.contest_id else None,
            name=candidate.name,
            position=candidate.position,
        )
        for candidate in source.candidates.order_by("position")
    )


def _roll(source: Election, copy: Election) -> None:
    """The same voters with their weights, none of their votes (nor their reminders)."""
    entries = source.roll.order_by("pk").values_list("user_id", "weight")
    RollEntry.objects.bulk_create(
        (RollEntry(election=copy, user_id=user_id, weight=weight) for user_id, weight in entries),
        batch_size=1000,
    )


# The per-election data a copy takes, each by one function (source, copy).
COPIED_RELATIONS: tuple[Callable[[Election, Election], None], ...] = (
    _contests_and_candidates,
    _roll,
)


def copy_title(title: str) -> str:
    limit = Election._meta.get_field("title").max_length or 200
    return title[: limit - len(COPY_SUFFIX)] + COPY_SUFFIX


@transaction.atomic
def copy_election(source: Election) -> Election:
    """A new draft made from `source` (in any state)."""
    copy = Election.objects.create(
        title=copy_title(source.title),
        **{name: getattr(source, name) for name in COPIED_FIELDS},
    )
    for copy_relation in COPIED_RELATIONS:
        copy_relation(source, copy)
    log.info("election copied id=%s from=%s", copy.pk, source.pk, extra={"election": copy.pk})
    return copy
