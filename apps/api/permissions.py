"""Who may see and do what, checked before a view runs.

Which elections a user sees is apps.elections.access. For an existing election the user may
not see, every endpoint answers 403 `not_on_roll` and shows nothing of it, and an unknown id
is a 404. (Election ids are sequential, so hiding that one exists would protect nothing; its
title, candidates, key and results stay hidden.)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from apps.accounts.models import signed_in
from apps.elections.access import visible_election
from apps.elections.models import Election


class IsOfficial(BasePermission):
    """Staff holding the model permission the action needs, as in the admin: an official
    allowed only to look (view_election) cannot open, close or tally."""

    message = "only election officials (staff) with that permission may do this"
    code = "not_staff"
    permission = "elections.change_election"

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(
            user and user.is_authenticated and user.is_staff and user.has_perm(self.permission)
        )


class IsOfficialCreating(IsOfficial):
    permission = "elections.add_election"


class IsOfficialWatching(IsOfficial):
    """Reading what officials read of an election (a ceremony's state)."""

    permission = "elections.view_election"


class IsHealthWatcher(IsOfficial):
    """Validator health: looking, or asking for a fresh look."""

    permission = "network.view_validatorhealth"


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
