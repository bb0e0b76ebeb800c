"""The admin and the schedule: opening and closing times are checked, shown in UTC with the
reader's local time, and a draft the schedule could not open says why."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.elections.models import Election
from apps.elections.schedule import run_schedule
from apps.elections.tests.test_admin_personas import Personas, meet_the_personas
from apps.trustees.services import name_trustees

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> Personas:
    return meet_the_personas()


def official_client(people: Personas) -> Client:
    client = Client()
    client.force_login(people.official)
    return client


def test_the_add_form_refuses_a_closing_time_before_the_opening_time(people: Personas) -> None:
    form = {
        "title": "Treasurer",
        "candidates": "Mary\nJohn",
        "min_selections": 1,
        "max_selections": 1,
        "opens_at": "2030-05-01 20:00",
        "closes_at": "2030-05-01 08:00",
    }
    response = official_client(people).post(reverse("admin:elections_election_add"), form)
    assert response.status_code == 200
    assert "the election must close after it opens" in response.text
    assert not Election.objects.filter(title="Treasurer").exists()


def test_the_change_form_checks_the_times_too(people: Personas) -> None:
    election = people.election
    election.opens_at = timezone.now() + timedelta(days=2)
    election.closes_at = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        election.full_clean()
    assert "the election must close after it opens" in str(refused.value.message_dict["closes_at"])


def test_a_draft_the_schedule_could_not_open_says_why_in_utc_and_local_time(
    people: Personas,
) -> None:
    opens = timezone.now() - timedelta(minutes=1)
    Election.objects.filter(pk=people.election.pk).update(opens_at=opens)
    run_schedule()
    page = official_client(people).get(
        reverse("admin:elections_election_change", args=[people.election.pk])
    )
    text = page.content.decode()
    assert "not opened at its opening time: the key ceremony is not complete" in text
    assert f'<time class="local-time" datetime="{opens.isoformat()}">' in text
    assert f"{opens:%Y-%m-%d %H:%M} UTC</time>" in text
    assert "pages/localtime.js" in text


def test_a_drafts_times_stay_editable_once_its_ceremony_has_fixed_the_ballot(
    people: Personas,
) -> None:
    name_trustees(people.election, ["tina@example.org", "theo@example.org", "tara@example.org"])
    client = official_client(people)
    url = reverse("admin:elections_election_change", args=[people.election.pk])
    page = client.get(url).content.decode()
    assert 'name="opens_at_0"' in page and 'name="closes_at_0"' in page
    assert 'name="title"' not in page and 'name="candidates-0-name"' not in page
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    form.pop("csrfmiddlewaretoken", None)
    form.update({"opens_at_0": "2030-05-01", "opens_at_1": "08:00", "closes_at_0": "2030-05-01"})
    refused = client.post(url, {**form, "closes_at_1": "07:00"})
    assert refused.status_code == 200 and "the election must close after it opens" in (
        refused.content.decode()
    )
    assert Election.objects.get(pk=people.election.pk).opens_at is None
    saved = client.post(url, {**form, "closes_at_1": "20:00"})
    assert saved.status_code == 302, saved.content.decode()
    election = Election.objects.get(pk=people.election.pk)
    assert (election.opens_at, election.closes_at) == (
        datetime(2030, 5, 1, 8, tzinfo=UTC),
        datetime(2030, 5, 1, 20, tzinfo=UTC),
    )
    assert election.title == "Board of the society" and election.ceremony_id
