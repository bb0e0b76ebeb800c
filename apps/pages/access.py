"""Loading and permission checks for the pages, done before a view runs.

A voter sees an election only if they are on its roll; officials (staff) see every election.
Anyone else gets the same 404 as for an election that does not exist: an outsider sees
nothing of it (apps.elections.access.visible_election is the one rule).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from apps.accounts.models import signed_in
from apps.elections.access import visible_election
from apps.elections.errors import NotFound, NotOnRoll
from apps.elections.models import Election

ElectionPage = Callable[..., HttpResponse]


def election_page(view: ElectionPage) -> Callable[..., HttpResponse]:
    """Log-in required; hands the view the election `election_id` names once the user may see
    it: view(request, election, **kwargs)."""

    @login_required
    @wraps(view)
    def checked(request: HttpRequest, election_id: int, **kwargs: Any) -> HttpResponse:
        try:
            election: Election = visible_election(signed_in(request.user), election_id)
        except (NotFound, NotOnRoll) as exc:
            raise Http404("no such election") from exc
        return view(request, election, **kwargs)

    return checked
