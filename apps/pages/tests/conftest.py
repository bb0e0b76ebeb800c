"""Personas for the page tests.

- `official`: staff; sees every election, is on no roll.
- `alice`, `bob`: voters on the roll of `election` (open, three candidates, pick one).
- `carol`: a user on no roll. She should see nothing of this election.

Delivery to the validators is stubbed (the chain client has its own tests).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from apps.accounts.models import User
from apps.elections.models import Election


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    cache.clear()  # log-in attempt counters live there


def client_for(user: User | None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def csrf_post(client: Client, url: str, data: dict[str, object], **extra: object):  # type: ignore[no-untyped-def]
    """POST as a browser does: GET the page first for the CSRF cookie, send its token back."""
    client.get(url)
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token}, **extra)


@pytest.fixture
def tallied(
    election: Election, alice: User, bob: User, monkeypatch: pytest.MonkeyPatch
) -> Election:
    """Alice and Bob both chose Linus; the (stubbed) chain holds both ballots at height 9."""
    from apps.chain.reading import ChainBallot, ElectionChain
    from apps.elections import tally
    from apps.elections.services import close_election
    from apps.votes.models import Vote
    from apps.votes.services import cast_choice

    linus = election.candidates.get(name="Linus")
    cast_choice(election, alice, [linus.pk])
    cast_choice(election, bob, [linus.pk])
    ballots = [
        ChainBallot(v.transaction_id, v.voter_pseudonym, v.ballot, 9, "aa" * 32)
        for v in Vote.objects.all()
    ]
    Vote.objects.update(status=Vote.Status.CONFIRMED, block_height=9, block_hash="aa" * 32)
    monkeypatch.setattr(
        tally, "election_chain", lambda _: ElectionChain("validator-2", ballots, {"valid": True})
    )
    return tally.tally_election(close_election(election))
