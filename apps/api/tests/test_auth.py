"""POST /api/auth/login and GET /api/auth/profile: bearer tokens for e-mail and password."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.api.tests.conftest import api_as, assert_error
from apps.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(email: str, password: str) -> object:
    return APIClient().post(
        "/api/auth/login", {"email": email, "password": password}, format="json"
    )


def test_a_voter_logs_in_with_email_and_password_for_a_bearer_token(alice: User) -> None:
    response = log_in("alice@example.org", PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and len(body["access_token"]) == 64


def test_only_a_hash_of_the_token_is_stored(alice: User) -> None:
    token = log_in("alice@example.org", PASSWORD).json()["access_token"]
    stored = AuthToken.objects.get(user=alice)
    assert token not in (stored.digest, stored.token_key) and stored.digest != token


def test_each_log_in_gives_its_own_token_and_both_work(alice: User) -> None:
    first = log_in("alice@example.org", PASSWORD).json()["access_token"]
    second = log_in("alice@example.org", PASSWORD).json()["access_token"]
    assert first != second
    assert bearer(first).get("/api/auth/profile").status_code == 200
    assert bearer(second).get("/api/auth/profile").status_code == 200


def test_a_new_password_ends_every_token(alice: User) -> None:
    token = log_in("alice@example.org", PASSWORD).json()["access_token"]
    alice.set_password("another correct horse")
    alice.save()
    assert_error(bearer(token).get("/api/auth/profile"), 401, "authentication_failed")


def test_the_email_is_matched_whatever_its_case(alice: User) -> None:
    assert log_in("  Alice@Example.ORG ", PASSWORD).status_code == 200


def test_a_wrong_password_is_a_401(alice: User) -> None:
    response = log_in("alice@example.org", "guess")
    assert_error(response, 401, "invalid_credentials")
    assert response["WWW-Authenticate"] == "Bearer"


def test_an_unknown_email_is_the_same_401(alice: User) -> None:
    assert_error(log_in("mallory@example.org", PASSWORD), 401, "invalid_credentials")


def test_a_deactivated_user_cannot_log_in(alice: User) -> None:
    alice.is_active = False
    alice.save()
    assert_error(log_in("alice@example.org", PASSWORD), 401, "invalid_credentials")


def test_a_login_without_a_password_is_a_400_naming_the_field(alice: User) -> None:
    response = APIClient().post("/api/auth/login", {"email": alice.email}, format="json")
    body = assert_error(response, 400, "invalid")
    assert "password" in body["detail"] and "password" in body["errors"]


def test_the_token_opens_the_profile(alice: User) -> None:
    token = log_in("alice@example.org", PASSWORD).json()["access_token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get("/api/auth/profile")
    assert response.status_code == 200
    assert response.json() == {
        "id": alice.pk,
        "email": "alice@example.org",
        "name": "Alice",
        "is_staff": False,
    }


def test_the_profile_says_who_is_an_official(official: User) -> None:
    assert api_as(official).get("/api/auth/profile").json()["is_staff"] is True


def test_without_a_token_the_profile_is_a_401_asking_for_a_bearer_token(db: None) -> None:
    response = APIClient().get("/api/auth/profile")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not-a-token",
        "Bearer",
        "Bearer two words",
        "Bearer \u00e9\u00e9\u00e9",
    ],
)
def test_a_bad_bearer_token_is_a_401(alice: User, header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_error(client.get("/api/auth/profile"), 401, "authentication_failed")


def test_a_real_token_under_another_keyword_is_not_accepted(alice: User) -> None:
    token = log_in("alice@example.org", PASSWORD).json()["access_token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert_error(client.get("/api/auth/profile"), 401, "not_authenticated")


def test_a_bad_token_does_not_stop_anyone_logging_in(alice: User) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer stale")
    response = client.post(
        "/api/auth/login", {"email": alice.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_logging_out_ends_the_token(alice: User) -> None:
    token = log_in("alice@example.org", PASSWORD).json()["access_token"]
    assert bearer(token).post("/api/auth/logout").status_code == 204
    assert_error(bearer(token).get("/api/auth/profile"), 401, "authentication_failed")
    assert log_in("alice@example.org", PASSWORD).json()["access_token"] != token


def test_logging_out_needs_a_token(db: None) -> None:
    assert_error(APIClient().post("/api/auth/logout"), 401, "not_authenticated")


def test_an_expired_token_is_refused_and_a_new_log_in_issues_another(alice: User) -> None:
    token = log_in("alice@example.org", PASSWORD).json()["access_token"]
    AuthToken.objects.filter(user=alice).update(expiry=timezone.now() - timedelta(seconds=1))
    assert_error(bearer(token).get("/api/auth/profile"), 401, "authentication_failed")
    assert not AuthToken.objects.filter(user=alice).exists()  # expired tokens are deleted
    fresh = log_in("alice@example.org", PASSWORD).json()["access_token"]
    assert bearer(fresh).get("/api/auth/profile").status_code == 200


def test_a_token_lasts_the_configured_time(alice: User, settings: Any) -> None:
    log_in("alice@example.org", PASSWORD)
    stored = AuthToken.objects.get(user=alice)
    lifetime = (stored.expiry - stored.created).total_seconds()
    assert abs(lifetime - settings.API_TOKEN_TTL_SECONDS) < 5


def test_the_sixth_failed_log_in_is_a_429_even_with_the_right_password(
    alice: User, settings: Any
) -> None:
    for _ in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        assert_error(log_in("alice@example.org", "guess"), 401, "invalid_credentials")
    response = log_in("alice@example.org", PASSWORD)
    assert_error(response, 429, "throttled")
    assert response["Retry-After"] == str(settings.LOGIN_ATTEMPT_WINDOW_SECONDS)
    assert not AuthToken.objects.filter(user=alice).exists()


def test_a_successful_log_in_does_not_reset_the_count(alice: User, settings: Any) -> None:
    for _ in range(settings.LOGIN_FAILURES_PER_ADDRESS - 1):
        log_in("alice@example.org", "guess")
    assert log_in("alice@example.org", PASSWORD).status_code == 200
    log_in("alice@example.org", "guess")
    assert_error(log_in("alice@example.org", PASSWORD), 429, "throttled")
