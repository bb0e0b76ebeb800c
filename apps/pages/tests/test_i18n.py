"""English and French: switchable with set_language, every page and message translated."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from apps.accounts.models import User
from apps.elections.models import Election
from apps.pages.tests.conftest import client_for, csrf_post

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"


@pytest.fixture(autouse=True, scope="module")
def compiled_catalogue() -> None:
    """`make` compiles the catalogue; a bare pytest run compiles it here when it is stale."""
    compiled = CATALOGUE.with_suffix(".mo")
    if compiled.exists() and compiled.stat().st_mtime >= CATALOGUE.stat().st_mtime:
        return
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt (gettext) is not installed: run make messages")
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(CATALOGUE)], check=True)
    translation.trans_real._translations = {}  # reload catalogues compiled just now


def test_every_message_has_a_french_translation() -> None:
    text = CATALOGUE.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]
    untranslated = [
        e
        for e in entries
        if re.search(r'^msgstr(\[\d\])? ""$', e, re.M)
        and not re.search(r'^"', e.split("msgstr", 1)[1], re.M)
    ]
    assert not untranslated
    assert "#, fuzzy" not in text


def test_a_voter_switches_to_french_and_back(alice: User, election: Election) -> None:
    client = client_for(alice)
    client.get("/elections/")  # the language form is on every page, with its CSRF token
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/i18n/setlang/", {"language": "fr", "next": "/elections/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    page = client.get("/elections/").content.decode()
    assert (
        '<html lang="fr">' in page
        and "Mes élections" in page
        and "Vous n’avez pas encore voté." in page
    )
    client.post("/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": token})
    assert "My elections" in client.get("/elections/").content.decode()


def test_the_ballot_and_its_errors_are_french(alice: User, election: Election) -> None:
    client = client_for(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(f"/elections/{election.pk}/ballot/").content.decode()
    assert "Choisissez exactement 1 candidat." in page and "Déposer mon bulletin" in page
    page = csrf_post(client, f"/elections/{election.pk}/ballot/", {}).content.decode()
    assert "Il y a un problème" in page


def test_the_browser_language_is_honoured(db: None) -> None:
    page = client_for(None).get("/login/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert "Adresse e-mail" in page and "Mot de passe" in page
