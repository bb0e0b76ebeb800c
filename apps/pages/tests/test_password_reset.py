"""Password reset by e-mail: the link arrives, works once, and the new password logs in."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from apps.accounts.models import User
from apps.pages.tests.conftest import client_for, csrf_post

pytestmark = pytest.mark.django_db


def test_the_login_page_links_to_password_reset(alice: User) -> None:
    assert 'href="/password-reset/"' in client_for(None).get("/login/").content.decode()


def test_a_voter_resets_a_forgotten_password_by_e_mail(alice: User) -> None:
    client = client_for(None)
    response = csrf_post(client, "/password-reset/", {"email": alice.email})
    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [alice.email]
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert "New password again" in form.content.decode()
    done = csrf_post(
        client,
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-pass-42", "new_password2": "a-new-pass-42"},
    )
    assert done["Location"] == "/password-reset/complete/"
    alice.refresh_from_db()
    assert alice.check_password("a-new-pass-42")
    assert "has been used or has expired" in client.get(link, follow=True).content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(alice: User) -> None:
    response = csrf_post(client_for(None), "/password-reset/", {"email": "nobody@example.org"})
    assert response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_the_reset_pages_speak_french(alice: User) -> None:
    client = client_for(None)
    client.cookies["django_language"] = "fr"
    assert "Réinitialiser votre mot de passe" in client.get("/password-reset/").content.decode()
