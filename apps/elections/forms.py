"""Forms of the officials' pages: creating an election, its candidates, and the voter roll CSV.

The voter roll CSV is checked row by row before anything is imported, so an official sees
every problem of a file at once and a file with one bad row imports nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from apps.accounts.models import User
from apps.elections.errors import InvalidInput
from apps.elections.services import VoterRow, check_schedule
from evcrypto.contests import MAX_WEIGHT

# ---------------------------------------------------------------------- creating an election


class ElectionCreationForm(forms.Form):
    """What create_election takes; the verb itself checks the combination."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    candidates = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One candidate per line, in ballot order.",
    )
    min_selections = forms.IntegerField(min_value=0, initial=1)
    max_selections = forms.IntegerField(min_value=1, initial=1)
    opens_at = forms.DateTimeField(
        required=False,
        help_text="Optional, in UTC, e.g. 2030-05-01 08:00: the election opens by itself then, "
        "once its key ceremony is complete.",
    )
    closes_at = forms.DateTimeField(
        required=False,
        help_text="Optional, in UTC, e.g. 2030-05-01 20:00: the election closes by itself then.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            check_schedule(data.get("opens_at"), data.get("closes_at"))
        except InvalidInput as exc:
            self.add_error("closes_at", exc.detail)
        return data

    def verb_arguments(self) -> dict[str, Any]:
        """Keyword arguments for apps.elections.services.create_election."""
        data = self.cleaned_data
        names = [line.strip() for line in data["candidates"].splitlines() if line.strip()]
        return {
            "title": data["title"],
            "candidates": names,
            "description": data["description"],
            "min_selections": data["min_selections"],
            "max_selections": data["max_selections"],
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
        }


class CandidateInlineFormSet(forms.BaseInlineFormSet):
    """A draft's candidates: every name distinct within its contest, as create_election
    and create_contest_election require, and each in a contest of this election."""

    def clean(self) -> None:
        super().clean()
        seen: set[tuple[object, str]] = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            contest = form.cleaned_data.get("contest")
            if contest is not None and contest.election_id != self.instance.pk:
                raise ValidationError("A candidate's contest must be one of this election's.")
            name = form.cleaned_data.get("name", "").strip().casefold()
            if (contest, name) in seen:
                raise ValidationError("Every candidate of a contest needs a distinct name.")
            seen.add((contest, name))


class ReminderForm(forms.Form):
    """A reminder's time, when it is not sent at once."""

    send_at = forms.DateTimeField(
        required=False,
        label="Send at",
        help_text="In UTC, e.g. 2030-05-01 12:00.",
        widget=forms.DateTimeInput(attrs={"placeholder": "YYYY-MM-DD HH:MM"}),
    )


# ---------------------------------------------------------------------- the voter roll CSV

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# No password column: officials never choose voters' passwords; new voters are invited to set
# their own (apps.accounts.invitations).
COLUMNS = ("email", "name", "weight")


@dataclass
class RowReport:
    """One data row of the file: its line, who it names, and what is wrong with it."""

    line: int
    email: str
    name: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class RollReport:
    """The whole file checked: a file-level problem, or one report per data row."""

    file_problem: str = ""
    rows: list[RowReport] = field(default_factory=list)
    voters: list[VoterRow] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[RowReport]:
        return [row for row in self.rows if not row.ok]

    @property
    def importable(self) -> bool:
        return not self.file_problem and bool(self.rows) and not self.bad_rows


def _field_limit(name: str) -> int:
    limit = getattr(User._meta.get_field(name), "max_length", None)
    if not isinstance(limit, int):
        raise TypeError(f"User.{name} has no max_length")
    return limit


def _header_problem(header: list[str]) -> str:
    if "email" not in header:
        return "the first line must be a header naming the columns: email,name"
    if "password" in header:
        return "no password column, please: each new voter is invited by e-mail to set their own"
    unknown = [column for column in header if column not in COLUMNS]
    if unknown:
        return f"unknown column {unknown[0]!r}: the columns are email, name and weight"
    if len(set(header)) != len(header):
        return "the header names a column twice"
    return ""


def _check_row(line: int, cells: list[str], header: list[str]) -> tuple[RowReport, VoterRow]:
    values = dict(zip(header, (cell.strip() for cell in cells), strict=False))
    email = values.get("email", "").lower()
    report = RowReport(line, email, values.get("name", ""))
    if len(cells) > len(header):
        report.problems.append(f"{len(cells)} fields, but the header names {len(header)}")
    if not email:
        report.problems.append("missing e-mail address")
    elif len(email) > _field_limit("email"):
        report.problems.append(f"e-mail address longer than {_field_limit('email')} characters")
    else:
        try:
            validate_email(email)
        except ValidationError:
            report.problems.append("not a valid e-mail address")
    if len(report.name) > _field_limit("name"):
        report.problems.append(f"name longer than {_field_limit('name')} characters")
    weight = values.get("weight", "")
    if weight and (
        not (weight.isascii() and weight.isdigit()) or not 1 <= int(weight) <= MAX_WEIGHT
    ):
        report.problems.append(f"weight must be a whole number from 1 to {MAX_WEIGHT}")
        weight = ""
    return report, VoterRow(email, report.name, int(weight) if weight else None)


def check_voter_roll(text: str) -> RollReport:
    """Check every row of a voter roll CSV (header email,name[,weight]; name optional; weight
    1 for a new voter when left out, unchanged for one on the roll) and return the per-row
    report, with the rows to import when all are good."""
    report = RollReport()
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    first_line: dict[str, int] = {}
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            report.file_problem = "the file is empty"
            return report
        header = [column.strip().lower() for column in header]
        report.file_problem = _header_problem(header)
        if report.file_problem:
            return report
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(report.rows) == MAX_ROWS:
                report.file_problem = f"more than {MAX_ROWS} voters in one file: split it"
                return report
            row, voter = _check_row(reader.line_num, cells, header)
            if row.email and row.email in first_line:
                row.problems.append(f"the same e-mail address as line {first_line[row.email]}")
            first_line.setdefault(row.email, row.line)
            report.rows.append(row)
            report.voters.append(voter)
    except csv.Error as exc:
        report.file_problem = f"line {reader.line_num}: not readable as CSV ({exc})"
        return report
    if not report.rows:
        report.file_problem = "the file has a header but no voters"
    return report


class VoterRollUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "UTF-8, header line email,name (name may be left out); an optional weight column "
            "gives each voter's weight (1 for a new voter when empty)."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(f"The file is over {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        try:
            self.text = upload.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError("The file is not UTF-8 text.") from exc
        return upload

    def roll_report(self) -> RollReport:
        return check_voter_roll(self.text)
