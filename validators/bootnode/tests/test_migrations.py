"""The bootnode's one migration creates exactly what its models describe."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_models_need_no_new_migration() -> None:
    call_command("makemigrations", "bootnode", "--check", "--dry-run", verbosity=0)
