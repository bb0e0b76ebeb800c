"""People and an election shared by the backend's tests.

- `official`: staff with the election permissions. Creates and runs elections, sees every
  one, is on no roll.
- `observer`: staff who may only look (view permissions): every change is refused.
- `alice`, `bob`: voters on the roll of `election` (open, three candidates, pick one).
- `carol`: a user on no roll. She should see nothing of this election.
- the trustees of `election` (2 of 3, `TRUSTEES`), whose ceremony ran in `trustee_keys`:
  their secret shares, for tests that decrypt a tally.

Accepted votes are not handed to the network client here (its own tests call its functions
directly, and the integration tier runs it for real).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.services import VoterRow, add_voters, create_election, open_election
from apps.elections.tests.chain import validators  # noqa: F401 (a fixture for every app)
from apps.elections.tests.jobs import jobs_in_threads  # noqa: F401 (a fixture for every app)
from apps.trustees.tests.ceremony import complete_ceremony
from evcrypto import TrusteeKey

PASSWORD = "correct horse battery staple"
TRUSTEES = ["tina@example.org", "theo@example.org", "tara@example.org"]


@pytest.fixture(autouse=True)
def no_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("apps.votes.services._schedule_delivery", lambda: None)


OFFICIAL_PERMISSIONS = [
    "add_election",
    "change_election",
    "view_election",
    "view_validatorhealth",
]


@pytest.fixture
def official(db: None) -> User:
    """Staff with the permissions that run elections (not a superuser)."""
    user = User.objects.create_user("official@example.org", PASSWORD, name="Olga", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=OFFICIAL_PERMISSIONS))
    return User.objects.get(pk=user.pk)  # without the permission cache of the old instance


@pytest.fixture
def observer(db: None) -> User:
    """Staff who may only look: every change is refused."""
    user = User.objects.create_user("otto@example.org", PASSWORD, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_election", "view_validatorhealth"])
    )
    return user


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
def trustee_keys(draft_election: Election) -> dict[int, TrusteeKey]:
    return complete_ceremony(draft_election, TRUSTEES)


@pytest.fixture
def election(draft_election: Election, trustee_keys: dict[int, TrusteeKey]) -> Election:
    return open_election(draft_election)
