"""Personas for the page tests.

- `official`: staff; sees every election, is on no roll.
- `alice`, `bob`: voters on the roll of `election` (open, three candidates, pick one).
- `carol`: a user on no roll. She should see nothing of this election.

Delivery to the validators is stubbed (the network client has its own tests).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from apps.accounts.models import User
from apps.elections.models import Election
from evcrypto import TrusteeKey
from tests.standin_validators import StandInNetwork


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
    election: Election,
    alice: User,
    bob: User,
    validators: StandInNetwork,
    trustee_keys: dict[int, TrusteeKey],
) -> Election:
    """Alice and Bob both chose Linus; the stand-in validators hold both ballots in block 1,
    and trustees 1 and 2 decrypted the tally."""
    from apps.elections.tests.chain import confirm_on_chain, tally_with_trustees
    from apps.votes.services import cast_choice

    linus = election.candidates.get(name="Linus")
    cast_choice(election, alice, [linus.pk])
    cast_choice(election, bob, [linus.pk])
    confirm_on_chain(validators, election)
    return tally_with_trustees(election, trustee_keys)
