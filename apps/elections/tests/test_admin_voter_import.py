"""The voter roll CSV import: every row checked first, then all of the file or none of it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.elections.admin import IMPORT_IN_BACKGROUND_ROWS
from apps.elections.forms import check_voter_roll
from apps.elections.models import Election, Job, RollEntry
from apps.elections.tests.jobs import run_queued_jobs
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


def test_a_good_file_is_imported_counted_and_new_voters_are_invited(
    people: Personas, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[int, list[int]]] = []
    monkeypatch.setattr(
        "apps.accounts.tasks.send_invitations.delay", lambda e, u: sent.append((e, u))
    )
    content = b"email,name\nNina@Example.org,Nina\nvera@example.org,Vera\noscar@example.org,\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(logged_in(people.official), people.election, content)
    assert response.status_code == 200
    assert "2 voters added, 1 already on the roll, 1 accounts created and invited" in response.text
    assert roll_of(people.election) == ["nina@example.org", "oscar@example.org", "vera@example.org"]
    nina = User.objects.get(email="nina@example.org")
    assert nina.name == "Nina" and not nina.has_usable_password()
    invited = {User.objects.get(pk=pk).email for _, ids in sent for pk in ids}
    assert invited == {"nina@example.org"}  # vera and oscar had accounts of their own


def test_a_password_column_is_refused(people: Personas) -> None:
    content = b"email,name,password\nnew@example.org,New,chosen-by-the-official\n"
    response = upload(logged_in(people.official), people.election, content)
    assert "no password column, please" in response.text
    assert not User.objects.filter(email="new@example.org").exists()


def test_the_name_column_may_be_left_out(people: Personas) -> None:
    upload(logged_in(people.official), people.election, b"email\r\nnew@example.org\r\n")
    assert "new@example.org" in roll_of(people.election)
    assert not User.objects.get(email="new@example.org").has_usable_password()


def test_bad_rows_are_reported_and_nothing_is_imported(people: Personas) -> None:
    long_name = "x" * 201
    content = (
        "email,name\n"
        "good@example.org,Good\n"
        "not-an-address,Bad\n"
        ",Nobody\n"
        "GOOD@example.org,Twice\n"
        f"long@example.org,{long_name}\n"
        "extra@example.org,Extra,surplus\n"
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
        "3 fields, but the header names 2",
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
        (b"email,name\n", "the file has a header but no voters"),
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
    assert [(v.email, v.name) for v in report.voters] == [("ann@example.org", "Ann")]


def test_the_check_names_the_line_of_each_bad_row() -> None:
    report = check_voter_roll("email\nann@example.org\nbad\n")
    assert [(row.line, row.problems) for row in report.bad_rows] == [
        (3, ["not a valid e-mail address"])
    ]
    assert not report.importable


def test_a_large_roll_is_imported_by_the_worker_with_progress_on_the_page(
    people: Personas,
) -> None:
    count = IMPORT_IN_BACKGROUND_ROWS + 50
    rows = "".join(f"voter{i}@example.org,Voter {i}\n" for i in range(count))
    client = logged_in(people.official)
    before = roll_of(people.election)
    response = upload(client, people.election, f"email,name\n{rows}".encode())
    assert f"importing {count} voters: see the progress below" in response.text
    assert roll_of(people.election) == before  # nothing yet: the worker imports
    [job] = run_queued_jobs()
    assert (job.kind, job.state, job.step) == ("voter_import", "done", "importing voters")
    assert (job.done, job.total) == (count, count)
    assert job.result == {"added": count, "already_on_roll": 0, "users_created": count}
    assert len(roll_of(people.election)) == len(before) + count
    status = client.get(
        reverse("admin:elections_election_job", args=[people.election.pk, job.pk])
    ).json()
    assert (status["state"], status["done"], status["total"]) == ("done", count, count)


def test_the_job_view_is_for_staff_who_may_see_the_election(people: Personas) -> None:
    job = Job.objects.create(kind="close", election=people.election)
    url = reverse("admin:elections_election_job", args=[people.election.pk, job.pk])
    assert logged_in(people.observer).get(url).json()["state"] == "queued"
    refused = logged_in(people.voter).get(url)
    assert refused.status_code == 302 and refused["Location"].startswith(reverse("admin:login"))
