"""The trustee command runs on a trustee's own machine: it must not need the server's code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_trustee_command_imports_neither_django_nor_the_backend() -> None:
    probe = (
        "import sys, trustee.__main__; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'django', 'rest_framework', 'apps', 'evoting', 'celery'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_its_help_names_the_three_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "trustee", "--help"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0
    for command in ("ceremony", "decrypt", "status"):
        assert command in result.stdout
