"""Log in and log out with an e-mail address; failed attempts are limited per IP and e-mail."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.conftest import PASSWORD
from apps.pages.tests.conftest import client_for, csrf_post

pytestmark = pytest.mark.django_db


def test_the_login_form_has_a_csrf_token_and_labelled_fields(alice: User) -> None:
    page = Client().get("/login/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    assert '<label for="id_username">' in page and '<label for="id_password">' in page


def test_a_voter_logs_in_with_e_mail_and_lands_on_my_elections(alice: User) -> None:
    client = client_for(None)
    response = csrf_post(client, "/login/", {"username": alice.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/elections/"
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_a_login_without_the_csrf_token_is_refused(alice: User) -> None:
    response = Client(enforce_csrf_checks=True).post(
        "/login/", {"username": alice.email, "password": PASSWORD}
    )
    assert response.status_code == 403


def test_a_wrong_password_shows_the_error_summary(alice: User) -> None:
    response = csrf_post(client_for(None), "/login/", {"username": alice.email, "password": "x"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_the_sixth_failed_attempt_in_five_minutes_is_refused_even_with_the_right_password(
    alice: User,
) -> None:
    client = client_for(None)
    for _ in range(5):
        csrf_post(client, "/login/", {"username": alice.email, "password": "wrong"})
    response = csrf_post(client, "/login/", {"username": alice.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_limit_is_per_e_mail_address(alice: User, bob: User) -> None:
    client = client_for(None)
    for _ in range(5):
        csrf_post(client, "/login/", {"username": alice.email, "password": "wrong"})
    response = csrf_post(client, "/login/", {"username": bob.email, "password": PASSWORD})
    assert response.status_code == 302


def test_garbage_input_is_a_form_error_not_a_crash(db: None) -> None:
    response = csrf_post(client_for(None), "/login/", {"username": "x" * 5000, "password": ""})
    assert response.status_code == 200


def test_log_out_is_a_post_with_csrf(alice: User) -> None:
    client = client_for(alice)
    response = csrf_post(client, "/elections/", {})  # GET for the token; POST is refused there
    assert response.status_code == 405
    token = client.cookies["csrftoken"].value
    response = client.post("/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert client.get("/elections/").status_code == 302


def test_pages_need_a_login(election) -> None:  # type: ignore[no-untyped-def]
    for path in [
        "/",
        "/elections/",
        f"/elections/{election.pk}/ballot/",
        f"/elections/{election.pk}/board/",
    ]:
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
