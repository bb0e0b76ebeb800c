"""`manage.py seed_demo`: an admin, an open demo election with voters, and their log-in details."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from pytest_django.fixtures import SettingsWrapper

from apps.accounts.models import User
from apps.elections.models import Election, RollEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def credentials(var_dir: Path) -> list[tuple[str, str, str]]:
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


def test_the_printed_details_log_in_and_are_kept_private(var_dir: Path) -> None:
    printed = seed()
    rows = credentials(var_dir)
    assert [role for role, _, _ in rows] == ["admin"] + ["voter"] * 5
    for _, email, password in rows:
        assert f"{email} {password}" in printed
        assert authenticate(email=email, password=password) is not None
    mode = stat.S_IMODE((var_dir / "demo-credentials.txt").stat().st_mode)
    assert mode == 0o600


def test_a_second_run_changes_nothing_and_keeps_the_passwords(var_dir: Path) -> None:
    seed()
    first = credentials(var_dir)
    seed()
    assert credentials(var_dir) == first
    assert Election.objects.count() == 1 and User.objects.count() == 6
    assert RollEntry.objects.count() == 5


def test_a_lost_credentials_file_gets_new_passwords_that_work(var_dir: Path) -> None:
    seed()
    (var_dir / "demo-credentials.txt").unlink()
    seed()
    for _, email, password in credentials(var_dir):
        assert authenticate(email=email, password=password) is not None
