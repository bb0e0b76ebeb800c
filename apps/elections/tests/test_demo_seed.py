"""`manage.py seed_demo`: an admin, three trustees who make the key with the trustee command,
an open demo election with voters, and their log-in details."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from pytest_django.fixtures import SettingsWrapper

from apps.accounts.models import User
from apps.elections.models import Election, RollEntry
from apps.elections.services import close_election
from apps.elections.tests.chain import confirm_on_chain
from apps.trustees.models import Trustee
from apps.votes.services import cast_choice
from tests.standin_validators import StandInNetwork
from trustee.secret_file import read_secrets

# The trustees' commands reach this backend over HTTP from their own processes.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def var_dir(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path  # the stand-in validators' network is tmp_path / "network"
    return tmp_path


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def credentials(var_dir: Path) -> list[tuple[str, ...]]:
    text = (var_dir / "demo-credentials.txt").read_text()
    return [tuple(line.split()) for line in text.splitlines() if not line.startswith("#")]


def test_it_creates_an_admin_and_an_open_election_with_five_voters(var_dir: Path) -> None:
    seed()
    election = Election.objects.get()
    assert election.state == Election.State.OPEN
    assert election.candidates.count() == 3
    assert RollEntry.objects.filter(election=election).count() == 5
    admin = User.objects.get(email="admin@example.org")
    assert admin.is_staff and admin.is_superuser


def test_three_demo_trustees_made_the_key_and_keep_their_shares_in_their_own_folder(
    var_dir: Path,
) -> None:
    printed = seed()
    election = Election.objects.get()
    assert election.public_key["threshold"] == 2 and len(election.public_key["commitments"]) == 3
    assert [t.user.email for t in Trustee.objects.filter(election=election)] == [
        f"trustee{i}@example.org" for i in (1, 2, 3)
    ]
    rows = {row[1]: row for row in credentials(var_dir)}
    for i in (1, 2, 3):
        secret = var_dir / "demo-trustees" / f"trustee-{i}.secret"
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
        row = rows[f"trustee{i}@example.org"]
        assert row[0] == "trustee" and len(row) == 4
        assert read_secrets(secret, row[3]).share is not None
        assert f"trustee {i}: the ceremony is complete" in printed or f"trustee {i}:" in printed


def test_the_printed_details_log_in_and_are_kept_private(var_dir: Path) -> None:
    printed = seed()
    rows = credentials(var_dir)
    assert [row[0] for row in rows] == ["admin"] + ["voter"] * 5 + ["trustee"] * 3
    for _, email, password, *_ in rows:
        assert f"{email} {password}" in printed
        assert authenticate(email=email, password=password) is not None
    mode = stat.S_IMODE((var_dir / "demo-credentials.txt").stat().st_mode)
    assert mode == 0o600


def test_a_second_run_changes_nothing_and_keeps_the_passwords(var_dir: Path) -> None:
    seed()
    first = credentials(var_dir)
    seed()
    assert credentials(var_dir) == first
    assert Election.objects.count() == 1 and User.objects.count() == 9
    assert RollEntry.objects.count() == 5


def test_a_lost_credentials_file_gets_new_passwords_that_work(var_dir: Path) -> None:
    seed()
    (var_dir / "demo-credentials.txt").unlink()
    seed()
    for _, email, password, *_ in credentials(var_dir):
        assert authenticate(email=email, password=password) is not None


def test_make_demo_decrypt_has_two_demo_trustees_decrypt_the_closed_demo_election(
    var_dir: Path, live_server: Any, validators: StandInNetwork, jobs_in_threads: None
) -> None:
    seed()
    election = Election.objects.get()
    names = list(election.candidates.order_by("position"))
    for email, choice in [
        ("ada@example.org", 2),
        ("alan@example.org", 2),
        ("grace@example.org", 0),
    ]:
        cast_choice(election, User.objects.get(email=email), [names[choice].pk])
    confirm_on_chain(validators, election)
    close_election(election)
    result = subprocess.run(
        [sys.executable, "scripts/demo_decrypt.py"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "EVOTING_SERVER": live_server.url, "VAR_DIR": str(var_dir)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "tally started for election" in result.stdout
    assert "partial decryption accepted (2 of 2 needed); the election is tallied" in result.stdout
    assert "  Katherine Johnson: 1\n  John McCarthy: 0\n  Frances Allen: 2\n" in result.stdout
    assert "decryption proof: valid" in result.stdout
    election.refresh_from_db()
    decrypted = [p["trustee"] for p in election.results["decryption"]["partial_decryptions"]]
    assert election.state == Election.State.TALLIED and decrypted == [1, 2]
