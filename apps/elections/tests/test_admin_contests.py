"""The admin's side of contests and weights: the contest inline while the ballot is editable,
a rule's bad field named, the weight on the roll (fixed once a weighted ceremony starts),
and the roll CSV's optional weight column."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.conftest import TRUSTEES
from apps.elections.forms import check_voter_roll
from apps.elections.models import Contest, RollEntry
from apps.elections.services import ContestSpec, VoterRow, add_voters, create_contest_election
from apps.elections.tests.test_admin_personas import Personas, meet_the_personas
from apps.elections.tests.test_admin_voter_import import logged_in, upload
from apps.trustees.tests.ceremony import complete_ceremony

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> Personas:
    personas = meet_the_personas()
    personas = replace(
        personas,
        election=create_contest_election(
            "Annual meeting",
            [
                ContestSpec("Board", ["Ada", "Grace"]),
                ContestSpec("Rate", ["Library", "Garden"], "score", max_score=3),
            ],
        ),
    )
    add_voters(personas.election, [VoterRow(personas.voter.email)])
    return personas


def change_url(people: Personas) -> str:
    return reverse("admin:elections_election_change", args=[people.election.pk])


def entry_url(entry: RollEntry) -> str:
    return reverse("admin:elections_rollentry_change", args=[entry.pk])


def test_a_draft_shows_its_contests_to_edit_until_the_ceremony_fixes_them(
    people: Personas,
) -> None:
    page = logged_in(people.official).get(change_url(people)).text
    assert 'name="contests-1-max_score"' in page and 'value="Rate"' in page
    assert 'name="candidates-0-contest"' in page
    complete_ceremony(people.election, TRUSTEES)
    page = logged_in(people.official).get(change_url(people)).text
    assert 'name="contests-1-max_score"' not in page and "Rate" in page


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "score", "max_score": 11}, "max_score"),
        ({"kind": "cumulative", "points": 5, "max_per_option": 6}, "max_per_option"),
        ({"kind": "cumulative", "points": 101, "max_per_option": 6}, "points"),
        ({"kind": "choose", "min_selections": 2, "max_selections": 1}, "max_selections"),
    ],
)
def test_a_contest_out_of_its_rule_names_the_field(
    people: Personas, fields: dict[str, object], field: str
) -> None:
    contest = Contest(election=people.election, position=5, title="Bad", **fields)
    with pytest.raises(ValidationError) as caught:
        contest.clean()
    assert list(caught.value.message_dict) == [field]


def test_an_official_changes_a_weight_until_the_weighted_ceremony_starts(
    people: Personas,
) -> None:
    entry = RollEntry.objects.get(election=people.election, user=people.voter)
    client = logged_in(people.official)
    response = client.post(entry_url(entry), {"weight": "4"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.weight == 4
    assert logged_in(people.observer).post(entry_url(entry), {"weight": "9"}).status_code == 403
    complete_ceremony(people.election, TRUSTEES)
    page = client.get(entry_url(entry)).text
    assert 'name="weight"' not in page and ">4<" in page
    assert client.post(entry_url(entry), {"weight": "2"}).status_code == 403
    entry.refresh_from_db()
    assert entry.weight == 4


def test_the_roll_csv_takes_an_optional_weight_column(people: Personas) -> None:
    content = b"email,name,weight\nnina@example.org,Nina,3\nvera@example.org,Vera,\n"
    upload(logged_in(people.official), people.election, content)
    weights = dict(people.election.roll.values_list("user__email", "weight"))
    assert weights == {"nina@example.org": 3, "vera@example.org": 1}
    report = check_voter_roll("email,weight\na@example.org,0\nb@example.org,x\nc@example.org,7\n")
    assert [row.problems for row in report.rows] == [
        ["weight must be a whole number from 1 to 1000000"],
        ["weight must be a whole number from 1 to 1000000"],
        [],
    ]
    assert not report.importable
