"""The voter roll CSV import: every row checked first, then all of the file or none of it."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.elections.forms import check_voter_roll
from apps.elections.models import Election, RollEntry
from apps.elections.tests.test_admin_personas import Personas, meet_the_personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> Personas:
    return meet_the_personas()


def logged_in(user: User, **client_options: bool) -> Client:
    client = Client(**client_options)
    client.force_login(user)
    return client


def import_url(election: Election) -> str:
    return reverse("admin:elections_election_import_voters", args=[election.pk])


def upload(client: Client, election: Election, content: bytes):  # type: ignore[no-untyped-def]
    csv_file = SimpleUploadedFile("roll.csv", content, content_type="text/csv")
    return client.post(import_url(election), {"file": csv_file}, follow=True)


def roll_of(election: Election) -> list[str]:
    return sorted(RollEntry.objects.filter(election=election).values_list("user__email", flat=True))


def test_the_form_renders_for_an_official_with_its_csrf_token(people: Personas) -> None:
    response = logged_in(people.official).get(import_url(people.election))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text
    assert 'name="csrfmiddlewaretoken"' in response.text


def test_voters_and_outsiders_are_sent_to_the_admin_log_in(people: Personas) -> None:
    for user in (people.voter, people.outsider):
        response = logged_in(user).get(import_url(people.election))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_staff_who_may_not_change_elections_are_refused(people: Personas) -> None:
    response = upload(logged_in(people.observer), people.election, b"email\nnew@example.org\n")
    assert response.status_code == 403
    assert roll_of(people.election) == ["vera@example.org"]


def test_an_upload_without_the_csrf_token_is_refused(people: Personas) -> None:
    client = logged_in(people.official, enforce_csrf_checks=True)
    response = upload(client, people.election, b"email\nnew@example.org\n")
    assert response.status_code == 403
    assert roll_of(people.election) == ["vera@example.org"]


def test_a_good_file_is_imported_and_counted(people: Personas) -> None:
    content = (
        b"email,name,password\n"
        b"Nina@Example.org,Nina,s3cret-enough\n"
        b"vera@example.org,Vera,ignored\n"
        b"oscar@example.org,,\n"
    )
    response = upload(logged_in(people.official), people.election, content)
    assert response.status_code == 200
    assert "2 voters added, 1 already on the roll, 1 accounts created" in response.text
    assert roll_of(people.election) == ["nina@example.org", "oscar@example.org", "vera@example.org"]
    assert authenticate(email="nina@example.org", password="s3cret-enough") is not None
    assert User.objects.get(email="nina@example.org").name == "Nina"


def test_the_name_and_password_columns_may_be_left_out(people: Personas) -> None:
    upload(logged_in(people.official), people.election, b"email\r\nnew@example.org\r\n")
    assert "new@example.org" in roll_of(people.election)
    assert not User.objects.get(email="new@example.org").has_usable_password()


def test_bad_rows_are_reported_and_nothing_is_imported(people: Personas) -> None:
    long_name = "x" * 201
    content = (
        "email,name,password\n"
        "good@example.org,Good,\n"
        "not-an-address,Bad,\n"
        ",Nobody,\n"
        "GOOD@example.org,Twice,\n"
        f"long@example.org,{long_name},\n"
        "extra@example.org,Extra,pw,surplus\n"
    ).encode()
    users_before = User.objects.count()
    response = upload(logged_in(people.official), people.election, content)
    assert response.status_code == 200
    assert "Nothing was imported: 5 of 6 rows have problems" in response.text
    for problem in (
        "not a valid e-mail address",
        "missing e-mail address",
        "the same e-mail address as line 2",
        "name longer than 200 characters",
        "4 fields, but the header names 3",
    ):
        assert problem in response.text
    assert User.objects.count() == users_before
    assert roll_of(people.election) == ["vera@example.org"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "The submitted file is empty."),
        (b"\n\n", "the file is empty"),
        (b"mail,name\nx@example.org,X\n", "the first line must be a header"),
        (b"email,phone\nx@example.org,555\n", "unknown column &#x27;phone&#x27;"),
        (b"email,name,password\n", "the file has a header but no voters"),
        (b"email\n\xff\xfe@example.org\n", "The file is not UTF-8 text."),
    ],
)
def test_a_file_that_is_not_a_voter_roll_is_refused_whole(
    people: Personas, content: bytes, problem: str
) -> None:
    response = upload(logged_in(people.official), people.election, content)
    assert response.status_code == 200
    assert problem in response.text
    assert roll_of(people.election) == ["vera@example.org"]


def test_the_check_reads_a_byte_order_mark_and_blank_lines() -> None:
    report = check_voter_roll("\ufeffEmail , Name\n\nann@example.org, Ann \n\n")
    assert report.importable
    assert [(v.email, v.name, v.password) for v in report.voters] == [
        ("ann@example.org", "Ann", None)
    ]


def test_the_check_names_the_line_of_each_bad_row() -> None:
    report = check_voter_roll("email\nann@example.org\nbad\n")
    assert [(row.line, row.problems) for row in report.bad_rows] == [
        (3, ["not a valid e-mail address"])
    ]
    assert not report.importable
