"""`manage.py seed_demo`: an admin and an open demo election with voters, for `make run`.

Idempotent: a second run finds the same accounts and election and keeps their passwords
(read back from the credentials file), so the details printed earlier stay valid. The log-in
details are printed and written to VAR_DIR/demo-credentials.txt, mode 0600.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.services import VoterRow, add_voters, create_election, open_election

ADMIN = ("admin@example.org", "Demo Admin")
VOTERS = [
    ("ada@example.org", "Ada Lovelace"),
    ("alan@example.org", "Alan Turing"),
    ("grace@example.org", "Grace Hopper"),
    ("edsger@example.org", "Edsger Dijkstra"),
    ("barbara@example.org", "Barbara Liskov"),
]
ELECTION_TITLE = "Demo election: chair of the computing society"
CANDIDATES = ["Katherine Johnson", "John McCarthy", "Frances Allen"]
HEADER = "# evoting demo log-in details, written by `manage.py seed_demo`. role email password"


def credentials_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-credentials.txt"


def read_passwords(path: Path) -> dict[str, str]:
    """email -> password from an earlier run's file; empty when there is none."""
    if not path.exists():
        return {}
    passwords = {}
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) == 3 and not line.startswith("#"):
            passwords[fields[1]] = fields[2]
    return passwords


def write_private(path: Path, text: str) -> None:
    """Write text to path, readable by its owner only, replacing any earlier file whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(draft, path)


def ensure_account(email: str, name: str, password: str, admin: bool = False) -> None:
    user = User.objects.filter(email=email).first() or User(email=email)
    user.name = name
    user.is_active = True
    if admin:
        user.is_staff = user.is_superuser = True
    user.set_password(password)
    user.save()


def ensure_election(voter_emails: list[str]) -> Election:
    election = Election.objects.filter(title=ELECTION_TITLE).order_by("created_at").first()
    if election is None:
        election = create_election(
            ELECTION_TITLE, CANDIDATES, description="Seeded by manage.py seed_demo."
        )
    add_voters(election, [VoterRow(email) for email in voter_emails])
    if election.state == Election.State.DRAFT:
        election = open_election(election)
    return election


class Command(BaseCommand):
    help = "Create a demo admin and an open demo election with voters; print their log-in details."

    def handle(self, *args: Any, **options: Any) -> None:
        path = credentials_file()
        known = read_passwords(path)
        accounts = [("admin", *ADMIN)] + [("voter", email, name) for email, name in VOTERS]
        lines = []
        with transaction.atomic():
            for role, email, name in accounts:
                password = known.get(email) or secrets.token_urlsafe(12)
                ensure_account(email, name, password, admin=role == "admin")
                lines.append(f"{role} {email} {password}")
            election = ensure_election([email for email, _ in VOTERS])
            write_private(path, "\n".join([HEADER, *lines]) + "\n")
        self.stdout.write(f"demo election {election.title!r} is {election.state}")
        self.stdout.write("log in at http://127.0.0.1:8000/admin/ (admin) or / (voters):")
        for line in lines:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"these details are also in {path} (mode 0600)")
