"""`manage.py seed_demo`: an admin, three trustees and an open demo election with voters, for
`make run`.

The demo election's key is made by its three trustees (2 of 3) running the trustee command
(apps.trustees.demo); their secret files go under VAR_DIR/demo-trustees/. Idempotent: a second
run finds the same accounts and election and keeps their passwords (read back from the
credentials file), so the details printed earlier stay valid. The log-in details, and the
trustees' passphrases, are printed and written to VAR_DIR/demo-credentials.txt, mode 0600.
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
from apps.trustees.ceremony import ceremony_status
from apps.trustees.demo import DemoTrustee, demo_trustees_dir, run_demo_ceremony
from apps.trustees.services import name_trustees

ADMIN = ("admin@example.org", "Demo Admin")
VOTERS = [
    ("ada@example.org", "Ada Lovelace"),
    ("alan@example.org", "Alan Turing"),
    ("grace@example.org", "Grace Hopper"),
    ("edsger@example.org", "Edsger Dijkstra"),
    ("barbara@example.org", "Barbara Liskov"),
]
TRUSTEES = [
    ("trustee1@example.org", "Demo trustee 1"),
    ("trustee2@example.org", "Demo trustee 2"),
    ("trustee3@example.org", "Demo trustee 3"),
]
ELECTION_TITLE = "Demo election: chair of the computing society"
CANDIDATES = ["Katherine Johnson", "John McCarthy", "Frances Allen"]
HEADER = (
    "# evoting demo log-in details, written by `manage.py seed_demo`. role email password,"
    " and for trustees the passphrase of their secret file in var/demo-trustees/"
)


def credentials_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-credentials.txt"


def read_credentials(path: Path) -> dict[str, list[str]]:
    """email -> [password] (or [password, passphrase] for a trustee) from an earlier run's
    file; empty when there is none."""
    if not path.exists():
        return {}
    known = {}
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) in (3, 4) and not line.startswith("#"):
            known[fields[1]] = fields[2:]
    return known


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
    if election.state == Election.State.DRAFT:
        add_voters(election, [VoterRow(email) for email in voter_emails])
    return election


def open_with_demo_trustees(election: Election, trustees: list[DemoTrustee]) -> list[str]:
    """Run the demo trustees' ceremony with the trustee command, then open; their output."""
    if election.state != Election.State.DRAFT:
        return []
    if not ceremony_status(election).complete:
        for old in demo_trustees_dir().glob("trustee-*.secret"):
            old.unlink()  # the earlier, unfinished ceremony of this same draft
        name_trustees(election, [t.email for t in trustees])
        election.refresh_from_db()
        outputs = run_demo_ceremony(election, trustees)
    else:
        outputs = []
    open_election(election)
    return outputs


class Command(BaseCommand):
    help = (
        "Create a demo admin, three trustees and an open demo election with voters; "
        "print their log-in details."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        path = credentials_file()
        known = read_credentials(path)
        accounts = (
            [("admin", *ADMIN)]
            + [("voter", email, name) for email, name in VOTERS]
            + [("trustee", email, name) for email, name in TRUSTEES]
        )
        lines, trustees = [], []
        with transaction.atomic():
            for role, email, name in accounts:
                earlier = known.get(email, [])
                password = earlier[0] if earlier else secrets.token_urlsafe(12)
                ensure_account(email, name, password, admin=role == "admin")
                if role == "trustee":
                    passphrase = earlier[1] if len(earlier) == 2 else secrets.token_urlsafe(16)
                    trustees.append(DemoTrustee(email, password, passphrase))
                    lines.append(f"{role} {email} {password} {passphrase}")
                else:
                    lines.append(f"{role} {email} {password}")
            election = ensure_election([email for email, _ in VOTERS])
        # Written before the ceremony: the trustees' passphrases must outlive their files.
        write_private(path, "\n".join([HEADER, *lines]) + "\n")
        for output in open_with_demo_trustees(election, trustees):
            self.stdout.write(output)
        election.refresh_from_db()
        self.stdout.write(f"demo election {election.title!r} is {election.state}")
        self.stdout.write("log in at http://127.0.0.1:8000/admin/ (admin) or / (voters, trustees):")
        for line in lines:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"these details are also in {path} (mode 0600)")
        self.stdout.write(
            "to see the tally: close the demo election in the admin, then run make demo-decrypt"
        )
