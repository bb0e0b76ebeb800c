"""Who may see and do what, checked before a view runs.

Staff (officials) see every election. Anyone else sees only the elections whose roll they are
on: for another existing election every endpoint answers 403 `not_on_roll` and shows nothing
of it, and an unknown id is a 404. (Election ids are sequential, so hiding that one exists
would protect nothing; its title, candidates, key and results stay hidden.)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db.models import QuerySet
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from apps.accounts.models import User, signed_in
from apps.elections.errors import NotFound, NotOnRoll
from apps.elections.models import Election, RollEntry


class IsOfficial(BasePermission):
    message = "only election officials (staff) may do this"
    code = "not_staff"

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


def visible_election(user: User, election_id: int) -> Election:
    election = Election.objects.filter(pk=election_id).first()
    if election is None:
        raise NotFound(f"there is no election {election_id}")
    if not user.is_staff and not RollEntry.objects.filter(election=election, user=user).exists():
        raise NotOnRoll("you are not on this election's voter roll")
    return election


def visible_elections(user: User) -> QuerySet[Election]:
    elections = Election.objects.all()
    return elections if user.is_staff else elections.filter(roll__user=user)


ElectionView = Callable[[Request, Election, dict[str, Any]], Response]


def election_from(
    input_serializer: type[Serializer], source: str = "query"
) -> Callable[[ElectionView], Callable[[Request], Response]]:
    """Validate the input (query string or JSON body) and hand the view the election its
    `election_id` names, once the user may see it: view(request, election, data)."""

    def decorate(view: ElectionView) -> Callable[[Request], Response]:
        @wraps(view)
        def checked(request: Request) -> Response:
            data = request.query_params if source == "query" else request.data
            serializer = input_serializer(data=data)
            serializer.is_valid(raise_exception=True)
            values = dict(serializer.validated_data)
            return view(
                request, visible_election(signed_in(request.user), values["election_id"]), values
            )

        return checked

    return decorate
