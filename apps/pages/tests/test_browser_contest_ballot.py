"""The browser's format-2 ballot code (apps/pages/js/contest-crypto.js) makes the ballots
evcrypto makes: they verify, decrypt to the values given, and are byte for byte evcrypto's
for the same randomness; values a contest's rule does not allow are refused."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from evcrypto import (
    SECP256K1,
    Choose,
    Contest,
    ContestBallot,
    CryptoError,
    Cumulative,
    ElectionParameters,
    ElectionPublicKey,
    Score,
    ballot_to_json,
    ballot_tracker,
    decrypt,
    encrypt_contest_ballot,
    generate_election_key,
    parse_ballot,
    verify_ballot,
    verify_spoiled_ballot,
    weight_roll_hash,
)
from evcrypto.spoil import SpoiledBallot

ROOT = Path(settings.BASE_DIR)
MAKE_BALLOT = ROOT / "apps" / "pages" / "js" / "make-ballot.mjs"
VOTER = "voter-alice"
Rows = list[list[Any]]

CHOOSE = Contest("board", "Board", ("Ada", "Grace", "Linus", "Barbara", "Edsger"), Choose(1, 2))
SCORE = Contest("ideas", "Ideas", ("Parks", "Roads", "Libraries"), Score(3))
CUMULATIVE = Contest(
    "budget", "Budget", ("Schools", "Clinics", "Bridges", "Parks"), Cumulative(5, 3)
)
YES_NO = Contest("motion", "Motion 1", ("Yes",), Choose(0, 1))

# Per contest: rows its rule allows, edge values included, and rows it refuses with the
# message the browser gives.
VALID = {
    "board": [[1, 0, 0, 0, 0], [0, 0, 0, 0, 1], [1, 1, 0, 0, 0], [0, 1, 0, 0, 1]],
    "ideas": [[0, 0, 0], [3, 3, 3], [1, 2, 0]],
    "budget": [[0, 0, 0, 0], [3, 2, 0, 0], [3, 0, 0, 0], [1, 1, 1, 1], [0, 0, 2, 3]],
    "motion": [[0], [1]],
}
REFUSED = {
    "board": [
        ([0, 0, 0, 0, 0], "contest board: total 0 outside 1..2"),
        ([1, 1, 1, 0, 0], "contest board: total 3 outside 1..2"),
        ([2, 0, 0, 0, 0], "contest board: every value must be an integer in 0..1"),
        ([True, 0, 0, 0, 0], "contest board: every value must be an integer in 0..1"),
        ([1, 0, 0, 0], "contest board: 4 values for 5 options"),
    ],
    "ideas": [
        ([4, 0, 0], "contest ideas: every value must be an integer in 0..3"),
        ([-1, 0, 0], "contest ideas: every value must be an integer in 0..3"),
        ([1.5, 0, 0], "contest ideas: every value must be an integer in 0..3"),
        (["1", 0, 0], "contest ideas: every value must be an integer in 0..3"),
    ],
    "budget": [
        ([4, 0, 0, 0], "contest budget: every value must be an integer in 0..3"),
        ([3, 3, 0, 0], "contest budget: total 6 outside 0..5"),
        ([2, 2, 2, 0], "contest budget: total 6 outside 0..5"),
    ],
    "motion": [
        ([2], "contest motion: every value must be an integer in 0..1"),
        ([0, 0], "contest motion: 2 values for 1 options"),
    ],
}


@dataclass(frozen=True)
class Election:
    """Format-2 parameters with a 1-of-1 key, whose secret decrypts the test's ballots."""

    parameters: ElectionParameters
    public_key: ElectionPublicKey
    secret: int

    def published(self, voter: str = VOTER) -> dict[str, object]:
        """What a ballot page publishes for the browser code."""
        return {
            "public_key": self.public_key.element.hex(),
            "election_hash": self.parameters.election_hash,
            "voter_pseudonym": voter,
            "contests": [contest.to_dict() for contest in self.parameters.contests],
        }


def make_election(contests: tuple[Contest, ...], election_id: str = "agm") -> Election:
    # A single choose contest without weights would be format 1: weight the roll.
    parameters = ElectionParameters(
        election_id,
        "Annual meeting",
        contests=contests,
        weighted=True,
        weights_hash=weight_roll_hash({VOTER: 1}, contests),
    )
    election_key, trustee_key = generate_election_key(parameters.election_hash)
    return Election(parameters, election_key.public_key, trustee_key.secret)


ELECTIONS = {
    contest.contest_id: make_election((contest,), f"only-{contest.contest_id}")
    for contest in (CHOOSE, SCORE, CUMULATIVE, YES_NO)
}
EVERY_RULE = make_election((CHOOSE, SCORE, CUMULATIVE, YES_NO))


@pytest.fixture(autouse=True)
def node() -> str:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@noble" / "curves").is_dir():
        pytest.skip("node and the npm packages are needed: run make static")
    return node


def run_browser_code(job: dict[str, object]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(MAKE_BALLOT)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=60,
    )


def browser_ballot(election: Election, rows: Rows, voter: str = VOTER) -> dict[str, Any]:
    """The browser code's ballot with what challenging it reveals."""
    job = {"election": election.published(voter), "choices": rows, "revealing": True}
    result = run_browser_code(job)
    assert result.returncode == 0, result.stderr
    revealed: dict[str, Any] = json.loads(result.stdout)
    return revealed


def refusal(election: Election, rows: object) -> str:
    """The browser code's error for `rows`; it must print no ballot."""
    result = run_browser_code({"election": election.published(), "choices": rows})
    assert result.returncode != 0
    assert result.stdout == ""
    return result.stderr


def parsed(text: str) -> ContestBallot:
    ballot = parse_ballot(text, SECP256K1)
    assert isinstance(ballot, ContestBallot)
    assert ballot_to_json(ballot).decode() == text  # the browser's JSON is canonical
    return ballot


def check_browser_ballot(election: Election, rows: Rows) -> None:
    """Verifies, decrypts to `rows`, and its revealed randomness passes as a spoiled ballot."""
    revealed = browser_ballot(election, rows)
    ballot = parsed(revealed["ballot"])
    verify_ballot(election.parameters, election.public_key, VOTER, ballot)
    values = [value for row in rows for value in row]
    assert [decrypt(election.secret, c, 10) for c in ballot.ciphertexts] == values
    assert revealed["choice"] == values
    assert revealed["tracker"] == ballot_tracker(ballot)
    randomness = tuple(int(r, 16) for r in revealed["randomness"])
    spoiled = SpoiledBallot(ballot, tuple(values), randomness)
    verify_spoiled_ballot(election.parameters, election.public_key, spoiled, VOTER)


@pytest.mark.parametrize(
    ("contest_id", "row"),
    [(contest_id, row) for contest_id, rows in VALID.items() for row in rows],
)
def test_a_browser_ballot_of_one_contest_verifies_and_decrypts(
    contest_id: str, row: list[int]
) -> None:
    check_browser_ballot(ELECTIONS[contest_id], [row])


@pytest.mark.parametrize(
    "rows",
    [
        [[1, 0, 0, 0, 0], [0, 0, 0], [0, 0, 0, 0], [0]],
        [[0, 1, 0, 0, 1], [3, 3, 3], [3, 2, 0, 0], [1]],
        [[0, 0, 1, 1, 0], [1, 0, 2], [1, 1, 1, 1], [0]],
    ],
)
def test_a_browser_ballot_of_every_rule_verifies_and_decrypts(rows: Rows) -> None:
    check_browser_ballot(EVERY_RULE, rows)


@pytest.mark.parametrize(
    ("contest_id", "row", "message"),
    [(contest_id, row, message) for contest_id, cases in REFUSED.items() for row, message in cases],
)
def test_the_browser_refuses_values_outside_the_rule(
    contest_id: str, row: list[object], message: str
) -> None:
    assert message in refusal(ELECTIONS[contest_id], [row])


def test_the_browser_refuses_a_row_too_many_or_too_few() -> None:
    rows = [[1, 0, 0, 0, 0], [0, 0, 0], [0, 0, 0, 0]]
    assert "choices: 3 for 4 contests" in refusal(EVERY_RULE, rows)
    assert "choices: 5 for 4 contests" in refusal(EVERY_RULE, [*rows, [0], [1]])


def test_one_bad_contest_refuses_the_whole_ballot() -> None:
    rows = [[1, 0, 0, 0, 0], [0, 0, 0], [3, 3, 0, 0], [1]]
    assert "contest budget: total 6 outside 0..5" in refusal(EVERY_RULE, rows)


def test_the_browser_refuses_a_malformed_rule_and_the_identity_as_key() -> None:
    election = ELECTIONS["ideas"]
    published = election.published()
    contest = {**published["contests"][0], "rule": {"kind": "score", "max_score": 11}}  # type: ignore[index]
    job = {"election": {**published, "contests": [contest]}, "choices": [[0, 0, 0]]}
    result = run_browser_code(job)
    assert result.returncode != 0
    assert "contest ideas score rule max_score: expected an integer in 1..10" in result.stderr
    job = {"election": {**published, "public_key": "00"}, "choices": [[0, 0, 0]]}
    result = run_browser_code(job)
    assert result.returncode != 0 and "the election key is the identity" in result.stderr


def test_the_browser_ballot_is_evcrypto_s_ballot_for_the_same_randomness(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = [[0, 1, 0, 0, 1], [3, 0, 2], [3, 2, 0, 0], [1]]
    scalars = [secrets.randbelow(SECP256K1.order - 1) + 1 for _ in range(400)]
    job = {
        "election": EVERY_RULE.published(),
        "choices": rows,
        "scalars": [SECP256K1.scalar_hex(k) for k in scalars],
    }
    result = run_browser_code(job)
    assert result.returncode == 0, result.stderr
    queue = iter(scalars)
    monkeypatch.setattr(SECP256K1, "random_scalar", lambda: next(queue))
    expected = encrypt_contest_ballot(EVERY_RULE.parameters, EVERY_RULE.public_key, VOTER, rows)
    assert result.stdout == ballot_to_json(expected).decode()


def rebound(text: str, **fields: str) -> str:
    """The ballot with some of its top-level fields replaced."""
    return json.dumps({**json.loads(text), **fields}, sort_keys=True, separators=(",", ":"))


def test_a_browser_ballot_holds_only_for_its_election_and_voter() -> None:
    rows: Rows = [[0, 1, 0, 0, 1], [3, 0, 2], [3, 2, 0, 0], [1]]
    text = browser_ballot(EVERY_RULE, rows)["ballot"]
    ballot = parsed(text)
    # The same contests and key, but another election: another election hash.
    other = ElectionParameters(
        "another-agm",
        "Annual meeting",
        contests=EVERY_RULE.parameters.contests,
        weighted=True,
        weights_hash=EVERY_RULE.parameters.weights_hash,
    )
    assert other.election_hash != EVERY_RULE.parameters.election_hash
    with pytest.raises(CryptoError, match="cast for another election"):
        verify_ballot(other, EVERY_RULE.public_key, VOTER, ballot)
    # Relabelled to the other election, its proofs no longer hold: the hash is in them.
    relabelled = parsed(rebound(text, election_hash=other.election_hash))
    with pytest.raises(CryptoError, match="challenges do not match"):
        verify_ballot(other, EVERY_RULE.public_key, VOTER, relabelled)
    # Likewise for another voter's pseudonym.
    with pytest.raises(CryptoError, match="cast for another voter"):
        verify_ballot(EVERY_RULE.parameters, EVERY_RULE.public_key, "voter-bob", ballot)
    moved = parsed(rebound(text, voter="voter-bob"))
    with pytest.raises(CryptoError, match="challenges do not match"):
        verify_ballot(EVERY_RULE.parameters, EVERY_RULE.public_key, "voter-bob", moved)
