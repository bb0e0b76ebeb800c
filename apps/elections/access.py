"""Who may see which election: the one rule the API and the voter pages both apply.

Staff (officials) see every election. Anyone else sees only the elections whose roll they are
on. How a refusal is answered is the caller's: the API says 403 `not_on_roll` for an existing
election and 404 for an unknown id, the pages say 404 for both.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from apps.accounts.models import User
from apps.elections.errors import NotFound, NotOnRoll
from apps.elections.models import Election, RollEntry


def visible_election(user: User, election_id: int) -> Election:
    """The election, if this user may see it (one query: the roll is checked alongside);
    NotFound for an unknown id, NotOnRoll for an election this user may not see."""
    election = (
        Election.objects.filter(pk=election_id)
        .annotate(on_roll=Exists(RollEntry.objects.filter(election=OuterRef("pk"), user=user)))
        .first()
    )
    if election is None:
        raise NotFound(f"there is no election {election_id}")
    if not user.is_staff and not election.on_roll:
        raise NotOnRoll("you are not on this election's voter roll")
    return election


def visible_elections(user: User) -> QuerySet[Election]:
    """Every election this user may see."""
    elections = Election.objects.all()
    return elections if user.is_staff else elections.filter(roll__user=user)
