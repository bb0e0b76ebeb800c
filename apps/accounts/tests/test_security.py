"""Attacks on accounts: password-reset poisoning, guessing at the log-in pages (the site's,
the API's, the admin's), spraying across accounts, rotating addresses, proxies, and API tokens
that outlive what they should."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.core import mail
from django.core.cache import cache
from django.test import Client
from knox.models import AuthToken
from pytest_django.fixtures import SettingsWrapper

from apps.accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def alice(db: None) -> User:
    return User.objects.create_user("alice@example.org", PASSWORD)


@pytest.fixture
def olga(db: None) -> User:
    return User.objects.create_user("olga@example.org", PASSWORD, is_staff=True)


def api_log_in(email: str, password: str, ip: str = "10.0.0.1", **headers: str) -> Any:
    return Client().post(
        "/api/auth/login",
        {"email": email, "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
        **headers,
    )


def reset(email: str, host: str = "127.0.0.1", ip: str = "10.0.0.1") -> Any:
    return Client().post("/password-reset/", {"email": email}, HTTP_HOST=host, REMOTE_ADDR=ip)


def test_a_reset_request_under_a_foreign_host_is_refused_and_sends_nothing(
    alice: User, settings: SettingsWrapper
) -> None:
    settings.ALLOWED_HOSTS = ["vote.example.org"]
    assert reset(alice.email, host="attacker.example").status_code == 400
    assert mail.outbox == []
    assert reset(alice.email, host="vote.example.org").status_code == 302
    assert "http://vote.example.org/password-reset/" in mail.outbox[0].body


def test_reset_links_name_the_configured_domain_whatever_the_host(
    alice: User, settings: SettingsWrapper
) -> None:
    settings.ALLOWED_HOSTS = ["vote.example.org", "internal.example"]
    settings.PASSWORD_RESET_DOMAIN = "vote.example.org"
    reset(alice.email, host="internal.example")
    assert "//vote.example.org/password-reset/" in mail.outbox[0].body
    assert "internal.example" not in mail.outbox[0].body


def test_the_default_hosts_are_the_local_ones_only() -> None:
    assert django_settings.ALLOWED_HOSTS[:2] == ["127.0.0.1", "localhost"]
    assert "*" not in django_settings.ALLOWED_HOSTS


def test_reset_e_mails_to_one_address_are_limited(alice: User, settings: SettingsWrapper) -> None:
    for i in range(settings.PASSWORD_RESETS_PER_ACCOUNT + 2):
        assert reset(alice.email, ip=f"10.0.1.{i}").status_code == 302  # same answer always
    assert len(mail.outbox) == settings.PASSWORD_RESETS_PER_ACCOUNT


def test_the_admin_log_in_is_limited(olga: User, settings: SettingsWrapper) -> None:
    client = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        response = client.post("/admin/login/", {"username": olga.email, "password": "guess"})
        assert response.status_code == 200
    response = client.post("/admin/login/", {"username": olga.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_spraying_one_password_across_accounts_from_one_address_is_stopped(
    db: None, settings: SettingsWrapper
) -> None:
    victims = [User.objects.create_user(f"v{i}@example.org", "Spring2026!") for i in range(3)]
    for i in range(settings.LOGIN_FAILURES_PER_IP):
        assert api_log_in(f"nobody{i}@example.org", "Spring2026!").status_code == 401
    assert api_log_in(victims[0].email, "Spring2026!").status_code == 429
    assert api_log_in(victims[1].email, "Spring2026!", ip="10.0.0.2").status_code == 200


def test_rotating_addresses_slows_guessing_at_one_account_without_locking_it_out(
    alice: User, settings: SettingsWrapper
) -> None:
    settings.LOGIN_ACCOUNT_SLOWDOWN_SECONDS = 1
    for i in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        assert api_log_in(alice.email, "guess", ip=f"10.1.0.{i}").status_code == 401
    # From now on one attempt per slow-down interval gets through, whatever the address:
    # a burst from many addresses is mostly refused ...
    statuses = [api_log_in(alice.email, "guess", ip=f"10.2.0.{i}").status_code for i in range(5)]
    assert statuses.count(429) >= 3
    # ... and the owner still gets in, at the latest one interval later.
    deadline = time.monotonic() + 3
    while api_log_in(alice.email, PASSWORD, ip="10.3.0.1").status_code != 200:
        assert time.monotonic() < deadline, "the account stayed locked"
        time.sleep(0.2)


def test_behind_a_proxy_the_forwarded_client_address_is_counted(
    alice: User, settings: SettingsWrapper
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        api_log_in(alice.email, "guess", ip="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.7")
    blocked = api_log_in(alice.email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7", ip="10.9.9.9")
    assert blocked.status_code == 429
    # Another client behind the same proxy is not locked out with the attacker.
    other = api_log_in(alice.email, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.4", ip="10.9.9.9")
    assert other.status_code == 200


def test_a_forwarded_address_is_ignored_when_no_proxy_is_trusted(
    alice: User, settings: SettingsWrapper
) -> None:
    for i in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        api_log_in(alice.email, "guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert api_log_in(alice.email, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


def test_no_api_token_can_be_seen_or_made_in_the_admin(db: None) -> None:
    assert AuthToken not in admin.site._registry
    assert "rest_framework.authtoken" not in django_settings.INSTALLED_APPS


def test_production_settings_have_no_switch_to_a_fast_password_hasher() -> None:
    probe = "import evoting.settings as s; print(getattr(s, 'PASSWORD_HASHERS', 'default'))"
    env = {**os.environ, "INSECURE_FAST_PASSWORD_HASHING_FOR_TESTS": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "default"
