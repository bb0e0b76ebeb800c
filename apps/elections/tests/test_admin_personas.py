"""The people of the admin tests (no tests here; the test_admin_* files import them).

- the official runs elections: staff, allowed to add, change, view and delete them;
- the observer is staff too, but may only look: every change is refused;
- the voter is on the election's roll and is not staff: the admin is closed to them;
- the outsider has an account and nothing else, and should see nothing of this election.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Permission

from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.services import VoterRow, add_voters, create_election

PASSWORD = "correct horse battery staple"

OFFICIAL_PERMISSIONS = [
    "add_election",
    "change_election",
    "view_election",
    "delete_election",
    "add_candidate",
    "change_candidate",
    "delete_candidate",
    "view_candidate",
    "add_contest",
    "change_contest",
    "delete_contest",
    "view_contest",
    "view_rollentry",
    "view_validatorhealth",
    "view_fallbackblock",
]
OBSERVER_PERMISSIONS = [
    "view_election",
    "view_candidate",
    "view_contest",
    "view_rollentry",
    "view_validatorhealth",
    "view_fallbackblock",
]


@dataclass(frozen=True)
class Personas:
    official: User
    observer: User
    voter: User
    outsider: User
    election: Election  # a draft, three candidates, the voter on its roll


def staff(email: str, permissions: list[str]) -> User:
    user = User.objects.create_user(email, PASSWORD, name=email.split("@")[0], is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    return user


def meet_the_personas() -> Personas:
    election = create_election("Board of the society", ["Ada", "Grace", "Linus"])
    User.objects.create_user("vera@example.org", PASSWORD, name="Vera")
    add_voters(election, [VoterRow("vera@example.org")])
    return Personas(
        official=staff("olga@example.org", OFFICIAL_PERMISSIONS),
        observer=staff("otto@example.org", OBSERVER_PERMISSIONS),
        voter=User.objects.get(email="vera@example.org"),
        outsider=User.objects.create_user("oscar@example.org", PASSWORD),
        election=election,
    )
