"""Settings shared by every test run, whichever Django project it loads."""

import pytest
from pytest_django.fixtures import SettingsWrapper


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: SettingsWrapper) -> None:
    """MD5 makes creating users in tests cheap; it is never used outside tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
