"""The independent verifier: passes on the committed vectors, and names the check that fails
on each tampered copy."""

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evcrypto import (
    TEST_GROUP,
    ElectionRecord,
    aggregate,
    ballot_tracker,
    canonical_json,
    decrypt_tally,
    write_record,
)
from evcrypto.ballot import Ballot
from evcrypto.record import CONTESTS_RECORD_FILES, RECORD_FILES
from evcrypto.secp256k1 import SECP256K1
from evcrypto.tests.conftest import make_election
from evcrypto.tests.make_vectors import CHOICES, CONTEST_VECTORS, make_record
from evcrypto.verify import CHECK_NAMES, main, verify_record

VECTORS = Path(__file__).parent / "vectors"
Json = dict[str, Any]


def failed_checks(directory: Path) -> list[str]:
    return [result.name for result in verify_record(directory) if not result.passed]


def test_the_committed_vectors_pass_every_check() -> None:
    results = verify_record(VECTORS)
    assert [result.name for result in results] == list(CHECK_NAMES)
    assert all(result.passed for result in results), [r.line() for r in results]


def test_the_committed_vectors_count_the_votes_cast() -> None:
    results = json.loads((VECTORS / "results.json").read_bytes())["results"]
    assert [row["votes"] for row in results] == [CHOICES.count(c) for c in range(3)]


def test_the_command_prints_one_line_per_check_and_exits_zero(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([str(VECTORS)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(CHECK_NAMES)
    assert "ok   ballot proofs (10 ballots)" in lines


def test_the_command_runs_without_django() -> None:
    code = (
        "import sys; sys.argv = ['verify', sys.argv[1]];"
        "from evcrypto.verify import main; rc = main();"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django';"
        "sys.exit(rc)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(VECTORS)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok   record files")


def test_a_freshly_written_record_passes(tmp_path: Path) -> None:
    write_record(tmp_path, make_record())
    assert failed_checks(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# Tampered copies: (file, change to its JSON value) -> the first check that must fail


def load(directory: Path, name: str) -> Json:
    value: Json = json.loads((directory / name).read_bytes())
    return value


def save(directory: Path, name: str, value: object) -> None:
    (directory / name).write_bytes(canonical_json(value))


def other_digit(text: str, position: int = -1) -> str:
    """`text` with one hex digit changed: a one-byte tamper that keeps the JSON canonical."""
    index = position % len(text)
    digit = "1" if text[index] != "1" else "2"
    return text[:index] + digit + text[index + 1 :]


def recompute_tracker(entry: Json) -> None:
    entry["tracker"] = ballot_tracker(Ballot.from_dict(entry["ballot"], SECP256K1))


def tamper_ballot_ciphertext(ballots: Json) -> None:
    selection = ballots["ballots"][4]["ballot"]["selections"][1]
    beta = SECP256K1.decode(bytes.fromhex(selection["beta"]))
    selection["beta"] = (beta + SECP256K1.generator()).hex()


def tamper_and_retrack(change: Callable[[Json], None]) -> Callable[[Json], None]:
    def tamper(ballots: Json) -> None:
        change(ballots)
        recompute_tracker(ballots["ballots"][4])

    return tamper


def tamper_response(ballots: Json) -> None:
    branch = ballots["ballots"][4]["ballot"]["selections"][0]["proof"][1]
    branch["response"] = other_digit(branch["response"])


def relabel_voter(ballots: Json) -> None:
    ballots["ballots"][4]["ballot"]["voter"] = "voter-99"


def duplicate_ballot(ballots: Json) -> None:
    ballots["ballots"].append(ballots["ballots"][0])


def drop_ballot(ballots: Json) -> None:
    ballots["ballots"].pop()


def change_tracker(ballots: Json) -> None:
    ballots["ballots"][2]["tracker"] = other_digit(ballots["ballots"][2]["tracker"])


def add_a_vote_to_the_aggregate(aggregate: Json) -> None:
    ciphertext = aggregate["ciphertexts"][2]
    beta = SECP256K1.decode(bytes.fromhex(ciphertext["beta"]))
    ciphertext["beta"] = (beta + SECP256K1.generator()).hex()


def change_ballot_count(aggregate: Json) -> None:
    aggregate["ballot_count"] += 1


def tamper_share_factor(decryption: Json) -> None:
    share = decryption["partial_decryptions"][1]
    share["factors"][0] = other_digit(share["factors"][0], 2)


def tamper_share_proof(decryption: Json) -> None:
    proof = decryption["partial_decryptions"][0]["proofs"][2]
    proof["response"] = other_digit(proof["response"])


def drop_a_share(decryption: Json) -> None:
    decryption["partial_decryptions"].pop()


def move_a_vote(results: Json) -> None:
    results["results"][0]["votes"] -= 1
    results["results"][1]["votes"] += 1


def rename_a_candidate(results: Json) -> None:
    results["results"][2]["candidate"] = "Someone Else"


def tamper_commitment(trustees: Json) -> None:
    commitment = trustees["commitments"][1]
    commitment["coefficients"][1] = other_digit(commitment["coefficients"][1], 5)


def tamper_commitment_proof(trustees: Json) -> None:
    proof = trustees["commitments"][2]["proofs"][0]
    proof["challenge"] = other_digit(proof["challenge"])


def change_threshold(trustees: Json) -> None:
    trustees["threshold"] = 1
    for commitment in trustees["commitments"]:
        del commitment["coefficients"][1:]
        del commitment["proofs"][1:]


def change_public_key(public_key: Json) -> None:
    public_key["element"] = SECP256K1.mul_base(5).hex()


def change_title(parameters: Json) -> None:
    parameters["title"] = "Another election"


def allow_two_selections(parameters: Json) -> None:
    parameters["max_selections"] = 2


TAMPERINGS: dict[str, tuple[str, Callable[[Json], None], str]] = {
    "ballot ciphertext": ("ballots.json", tamper_ballot_ciphertext, "ballot trackers"),
    "ballot ciphertext, tracker recomputed": (
        "ballots.json",
        tamper_and_retrack(tamper_ballot_ciphertext),
        "ballot proofs",
    ),
    "ballot response, tracker recomputed": (
        "ballots.json",
        tamper_and_retrack(tamper_response),
        "ballot proofs",
    ),
    "ballot relabelled, tracker recomputed": (
        "ballots.json",
        tamper_and_retrack(relabel_voter),
        "ballot proofs",
    ),
    "ballot tracker": ("ballots.json", change_tracker, "ballot trackers"),
    "ballot cast twice": ("ballots.json", duplicate_ballot, "one ballot per voter"),
    "ballot dropped": ("ballots.json", drop_ballot, "aggregate"),
    "aggregate ciphertext": ("aggregate.json", add_a_vote_to_the_aggregate, "aggregate"),
    "aggregate ballot count": ("aggregate.json", change_ballot_count, "aggregate"),
    "decryption share factor": ("decryption.json", tamper_share_factor, "decryption shares"),
    "decryption share proof": ("decryption.json", tamper_share_proof, "decryption shares"),
    "decryption share dropped": ("decryption.json", drop_a_share, "decryption shares"),
    "count": ("results.json", move_a_vote, "published counts"),
    "candidate name in results": ("results.json", rename_a_candidate, "published counts"),
    "trustee commitment": ("trustees.json", tamper_commitment, "trustee commitments"),
    "trustee proof": ("trustees.json", tamper_commitment_proof, "trustee commitments"),
    "threshold": ("trustees.json", change_threshold, "trustee commitments"),
    "public key": ("public_key.json", change_public_key, "public key"),
    "title": ("parameters.json", change_title, "trustee commitments"),
    "selection limit": ("parameters.json", allow_two_selections, "trustee commitments"),
}


@pytest.fixture
def record_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "record"
    shutil.copytree(VECTORS, copy)
    return copy


@pytest.mark.parametrize("tampering", list(TAMPERINGS))
def test_a_tampered_copy_fails_naming_the_check(record_copy: Path, tampering: str) -> None:
    name, change, check = TAMPERINGS[tampering]
    value = load(record_copy, name)
    change(value)
    save(record_copy, name, value)
    failed = failed_checks(record_copy)
    assert failed and failed[0] == check, failed
    assert main([str(record_copy)]) == 1


@pytest.mark.parametrize("name", RECORD_FILES)
def test_a_missing_or_reformatted_file_fails_the_record_files_check(
    record_copy: Path, name: str
) -> None:
    data = (record_copy / name).read_bytes()
    (record_copy / name).write_bytes(data + b"\n")
    assert failed_checks(record_copy)[0] == "record files"
    (record_copy / name).unlink()
    assert failed_checks(record_copy)[0] == "record files"


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    vectors=st.sampled_from([VECTORS, CONTEST_VECTORS]),
    file_index=st.integers(0, len(CONTESTS_RECORD_FILES) - 1),
    where=st.floats(0, 1),
    byte=st.integers(0, 255),
)
def test_changing_any_byte_of_the_record_makes_a_check_fail(
    tmp_path: Path, vectors: Path, file_index: int, where: float, byte: int
) -> None:
    """Either committed record: format 1 (8 files) or format 2 with contests (9 files)."""
    names = sorted(path.name for path in vectors.iterdir())
    path = vectors / names[file_index % len(names)]
    original = path.read_bytes()
    data = bytearray(original)
    position = min(int(where * len(data)), len(data) - 1)
    data[position] = byte if data[position] != byte else byte ^ 1
    copy = Path(tempfile.mkdtemp(dir=tmp_path)) / "record"
    shutil.copytree(vectors, copy)
    (copy / path.name).write_bytes(bytes(data))
    assert failed_checks(copy), f"{vectors.name}/{path.name}[{position}] = {byte}"


def test_a_record_in_the_insecure_test_group_fails(tmp_path: Path) -> None:
    election = make_election(TEST_GROUP)
    encrypted = aggregate([], 3, TEST_GROUP)
    tally = decrypt_tally(
        election.election_key, election.trustee_keys, encrypted, election.election_hash
    )
    record = ElectionRecord(election.parameters, election.election_key, (), encrypted, tally)
    write_record(tmp_path, record)
    results = {result.name: result for result in verify_record(tmp_path)}
    assert not results["parameters"].passed
    assert "for tests only" in results["parameters"].detail


def test_the_command_refuses_a_missing_directory(tmp_path: Path) -> None:
    assert main([str(tmp_path / "nowhere")]) == 2
    assert main([]) == 2
