"""The repository's text stands on its own and reads as documentation, not as working notes.

Every file git tracks is read, and a line fails, named as path:line, when it
- points at a document outside the repository (a path that climbs out of it, or the design
  notes that were never part of it);
- uses the word "session" for anything but a web log-in session or a process session (the
  allow-list below says which uses are those);
- speaks in the first person about running or counting things, or about an issue tracker.

Skipped, and why:
- binary files (a NUL byte, or not UTF-8): no prose in them;
- `package-lock.json`: written by npm, package names and URLs only;
- in gettext catalogues (`*.po`), the `msgstr` translations: French says "session" for a
  log-in session ("ouvrir une session"), while the English they translate (`msgid`) is checked
  here like every other line, as are the catalogues' comments;
- this file, which has to spell out what it looks for.

Outside a git checkout (an image built without `.git`) there is no list of tracked files, and
the test is skipped.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
THIS_FILE = Path(__file__).resolve()

GENERATED_FILES = frozenset({"package-lock.json"})

# A reference to a document that is not in the repository. The names are joined from parts so
# that this file does not itself hold the references it refuses.
OUTSIDE_FOLDER = "sha" + "red"
OUTSIDE_REFERENCES = (
    re.compile(r"\.\./" + OUTSIDE_FOLDER),
    re.compile(OUTSIDE_FOLDER + "/DESIGN"),
    re.compile(r"DESIGN\.md"),  # upper case: docs/design.md is the repository's own page
)

# Working-notes phrasing: first-person accounts of a run, and issue-tracker talk (a letter in
# brackets keeps this file from holding the phrase itself).
NOTEBOOK_PHRASES = (
    re.compile(r"\b(?:I|[Ww]e) (?:ran|counted|measured)\b"),
    re.compile(r"\b[Ww]hat [w]e ran\b"),
    re.compile(r"\bthe [i]ssue lists\b", re.IGNORECASE),
    re.compile(r"\bthis [i]ssue\b", re.IGNORECASE),
)

SESSION_WORD = re.compile(r"\bsessions?\b", re.IGNORECASE)

# The uses of "session" that are legitimate: every occurrence of the word must lie inside a
# match of one of these. Kept tight on purpose: a new kind of use gets its own pattern.
ALLOWED_SESSION_USES = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # Code: a session object, its module or its attribute.
        r"\.sessions?\b",  # client.session, requests.Session, django.contrib.sessions
        r"\bsessions?\.\w",  # session.get(...), Session.objects, sessions.models
        r"\bsession\s*=\s*[\w.]+\(",  # session = requests.Session()
        r"\bsession\s*:\s*[\w.]*Session\b",  # session: requests.Session
        r"\bfor\s+session\s+in\b",
        r"\breturn\s+session\b",
        r"\w\(\s*session\s*[,)]",  # a session passed to a call
        r"""["']sessions?["']""",  # scope="session", hasattr(local, "session")
        r"\bimport\s+[\w, ]*\bSession\b",  # from django.contrib.sessions.models import Session
        # Prose about web log-in sessions.
        r"\b(?:log-?in|web|HTTP|Django|browser)\s+sessions?\b",
        r"\bsession\s+(?:cookies?|middleware|framework)\b",
        r"\bsession\s+and\s+(?:the\s+)?user\b",  # what Django reads for a signed-in request
        # Prose about a process session (setsid, start_new_session).
        r"\b(?:in|into)\s+its\s+(?:own\s+)?session\b",
    )
)

# A comment about the session object the next line uses in code ("not the session, not the
# logs" above a loop over Session.objects) speaks of that object.
SESSION_IN_CODE = re.compile(r"\bSession\.objects\b|\bclient\.session\b|\brequests\.Session\b")


def tracked_files() -> list[Path]:
    """The files git tracks in this checkout; skips the test outside one."""
    try:
        listing = subprocess.run(
            ["git", "-C", str(REPO), "ls-files", "-z"],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: no list of tracked files")
    names = [name for name in listing.decode("utf-8", "surrogateescape").split("\0") if name]
    return [REPO / name for name in names]


def text_of(path: Path) -> str | None:
    """The file's text, or None for what is not checked: binaries, generated files, this file."""
    if path.name in GENERATED_FILES or path.resolve() == THIS_FILE or not path.is_file():
        return None
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def checked_lines(path: Path, text: str) -> Iterator[tuple[int, str, str]]:
    """(line number, line, next line) for every line to check; a catalogue's msgstr entries
    (translations) are left out."""
    lines = text.splitlines()
    in_translation = False
    for index, line in enumerate(lines):
        if path.suffix == ".po":
            if line.startswith("msgstr"):
                in_translation = True
            elif not line.startswith('"'):
                in_translation = False
            if in_translation:
                continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        yield index + 1, line, following


def session_misused(line: str, following: str) -> bool:
    """Whether `line` says "session" in a sense the allow-list does not cover."""
    if not SESSION_WORD.search(line):
        return False
    if SESSION_IN_CODE.search(following):
        return False
    allowed = [match.span() for use in ALLOWED_SESSION_USES for match in use.finditer(line)]
    return any(
        not any(start <= word.start() and word.end() <= end for start, end in allowed)
        for word in SESSION_WORD.finditer(line)
    )


def problems_in_line(line: str, following: str = "") -> list[str]:
    """What is wrong with one line of text (nothing for a clean line)."""
    problems = [
        f"names {match.group(0)!r}, which is outside the repository"
        for reference in OUTSIDE_REFERENCES
        if (match := reference.search(line))
    ]
    problems += [
        f"working-notes phrasing {match.group(0)!r}"
        for phrase in NOTEBOOK_PHRASES
        if (match := phrase.search(line))
    ]
    if session_misused(line, following):
        problems.append('"session" in a sense other than a web or process session')
    return problems


def repository_problems() -> list[str]:
    found = []
    for path in tracked_files():
        text = text_of(path)
        if text is None:
            continue
        for number, line, following in checked_lines(path, text):
            for problem in problems_in_line(line, following):
                found.append(f"{path.relative_to(REPO)}:{number}: {problem}: {line.strip()}")
    return found


def test_no_tracked_file_names_outside_documents_or_reads_as_working_notes() -> None:
    problems = repository_problems()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "line",
    [
        "the third {session}'s machine",
        "{Session}s 2 and 3 measured it.",
        "In this {session}: ran the bench.",
        "(see ../{folder}/DESIGN.md section 5)",
        "Timeouts differ from DESIGN.md in three ways",
        "{I} ran the benchmark twice.",
        "What {we} ran, and why",
        "{We} counted 60,000 transactions.",
        "as the {issue} lists it",
        "Fixed in this {issue}.",
    ],
)
def test_these_lines_are_refused(line: str) -> None:
    # The word is filled in here, so that this file does not hold the lines it refuses.
    word = "ses" + "sion"
    line = line.format(
        session=word,
        Session=word.title(),
        folder=OUTSIDE_FOLDER,
        I="I",
        we="we",
        We="We",
        issue="is" + "sue",
    )
    assert problems_in_line(line)


@pytest.mark.parametrize(
    "line",
    [
        'INSTALLED_APPS = ["django.contrib.sessions"]',
        '@pytest.fixture(scope="session")',
        'assert "_auth_user_id" not in client.session',
        "session = requests.Session()",
        "    session: requests.Session = field(default_factory=requests.Session)",
        "for session in Session.objects.all():",
        "from django.contrib.sessions.models import Session",
        "    status = validator_status(session, 'validator-2')",
        '"""Start a process in its own session, so a terminal\'s Ctrl-C reaches only devrun."""',
        "| `DJANGO_SECRET_KEY` | forge log-in sessions, password-reset links |",
        "SESSION_COOKIE_SECURE = True",
        "process = subprocess.Popen(command, start_new_session=True)",
        "See docs/design.md for the architecture.",
    ],
)
def test_these_lines_pass(line: str) -> None:
    assert problems_in_line(line) == []


def test_a_comment_about_the_session_object_below_it_passes() -> None:
    comment = "# Nothing else the server keeps holds the choice: not the session, not the logs."
    assert problems_in_line(comment, "for session in Session.objects.all():") == []
    assert problems_in_line(comment, "for row in Vote.objects.all():")
