"""People and an election shared by the backend's tests.

- `official`: staff. Creates and runs elections, sees every one, is on no roll.
- `alice`, `bob`: voters on the roll of `election` (open, three candidates, pick one).
- `carol`: a user on no roll. She should see nothing of this election.

Accepted votes are not handed to the chain client here (its own tests call its functions
directly, and the integration tier runs it for real).
"""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.services import VoterRow, add_voters, create_election, open_election

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def no_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("apps.votes.services._schedule_delivery", lambda: None)


@pytest.fixture
def official(db: None) -> User:
    return User.objects.create_user("official@example.org", PASSWORD, name="Olga", is_staff=True)


@pytest.fixture
def alice(db: None) -> User:
    return User.objects.create_user("alice@example.org", PASSWORD, name="Alice")


@pytest.fixture
def bob(db: None) -> User:
    return User.objects.create_user("bob@example.org", PASSWORD, name="Bob")


@pytest.fixture
def carol(db: None) -> User:
    return User.objects.create_user("carol@example.org", PASSWORD, name="Carol")


@pytest.fixture
def draft_election(alice: User, bob: User) -> Election:
    election = create_election("Board", ["Ada", "Grace", "Linus"], description="Pick one")
    add_voters(election, [VoterRow(alice.email), VoterRow(bob.email)])
    return election


@pytest.fixture
def election(draft_election: Election) -> Election:
    return open_election(draft_election)
