"""Independent verifier of a published election record.

    python -m evcrypto.verify <record-dir>

Recomputes everything from the public files (see docs/election-record.md) and prints one line
per check, `ok   <check> (<detail>)` or `FAIL <check>: <reason>`; exits 0 if and only if every
check passes. It imports no Django and trusts nothing in the record it can recompute.
"""

import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from evcrypto.ballot import Ballot, ballot_tracker
from evcrypto.batch import verify_ballots
from evcrypto.elgamal import ElectionPublicKey
from evcrypto.encoding import canonical_json, expect_hash, expect_int, expect_list, expect_object
from evcrypto.errors import CryptoError
from evcrypto.group import Group
from evcrypto.keys import ElectionKey, verify_election_key
from evcrypto.parameters import ElectionParameters
from evcrypto.record import RECORD_FILES, read_record_file
from evcrypto.tally import (
    Aggregate,
    DecryptedTally,
    PartialDecryption,
    aggregate,
    check_counts,
    verify_partial_decryption,
)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one verifier check."""

    name: str
    passed: bool
    detail: str

    def line(self) -> str:
        if self.passed:
            return f"ok   {self.name} ({self.detail})"
        return f"FAIL {self.name}: {self.detail}"


_T = TypeVar("_T")


class _Unavailable(Exception):
    """A check cannot run because an earlier check failed to establish what it needs."""


class _RecordState:
    """What the checks have established so far; each check sets the parts it vouches for."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files: dict[str, object] = {}
        self.checked_parameters: ElectionParameters | None = None
        self.checked_key: ElectionKey | None = None
        self.checked_ballots: list[Ballot] | None = None
        self.checked_aggregate: Aggregate | None = None
        self.checked_partials: tuple[PartialDecryption, ...] | None = None

    def file(self, name: str) -> object:
        if name not in self.files:
            raise _Unavailable(f"{name} could not be read")
        return self.files[name]

    @property
    def parameters(self) -> ElectionParameters:
        return _established(self.checked_parameters, "parameters")

    @property
    def election_key(self) -> ElectionKey:
        return _established(self.checked_key, "trustee commitments")

    @property
    def ballots(self) -> list[Ballot]:
        return _established(self.checked_ballots, "ballots")

    @property
    def aggregate(self) -> Aggregate:
        return _established(self.checked_aggregate, "aggregate")

    @property
    def partials(self) -> tuple[PartialDecryption, ...]:
        return _established(self.checked_partials, "decryption shares")


def _established(value: _T | None, what: str) -> _T:
    if value is None:
        raise _Unavailable(f"the {what} did not pass their check")
    return value


def _check_record_files(state: _RecordState) -> str:
    errors = []
    for name in RECORD_FILES:
        try:
            state.files[name] = read_record_file(state.directory, name)
        except CryptoError as error:
            errors.append(str(error))
    if errors:
        raise CryptoError("; ".join(errors))
    return f"{len(RECORD_FILES)} files in canonical JSON"


def _check_parameters(state: _RecordState) -> str:
    parameters = ElectionParameters.from_dict(state.file("parameters.json"))
    if parameters.group.insecure:
        raise CryptoError(f"group {parameters.group.name} is for tests only")
    state.checked_parameters = parameters
    return (
        f"{parameters.candidate_count} candidates, {parameters.min_selections}.."
        f"{parameters.max_selections} selections, election hash {parameters.election_hash}"
    )


def _check_trustee_commitments(state: _RecordState) -> str:
    parameters = state.parameters
    key = ElectionKey.from_dict(state.file("trustees.json"))
    if key.group is not parameters.group:
        raise CryptoError("trustees use another group than the parameters")
    if (key.threshold, key.trustee_count) != (parameters.threshold, parameters.trustee_count):
        raise CryptoError(
            f"{key.threshold}-of-{key.trustee_count} trustees, parameters say "
            f"{parameters.threshold}-of-{parameters.trustee_count}"
        )
    verify_election_key(key, parameters.election_hash)
    state.checked_key = key
    return f"{key.trustee_count} trustees, threshold {key.threshold}"


def _check_public_key(state: _RecordState) -> str:
    published = ElectionPublicKey.from_dict(state.file("public_key.json"))
    if published != state.election_key.public_key:
        raise CryptoError("not the sum of the trustees' constant-term commitments")
    return "sum of the trustees' commitments"


def _check_ballot_trackers(state: _RecordState) -> str:
    group = state.parameters.group
    listing = expect_object(state.file("ballots.json"), {"ballots"}, "ballots.json")
    ballots = []
    for index, entry in enumerate(expect_list(listing["ballots"], "ballots")):
        try:
            ballots.append(_tracked_ballot(entry, group))
        except CryptoError as error:
            raise CryptoError(f"ballot {index}: {error}") from None
    state.checked_ballots = ballots
    return f"{len(ballots)} ballots"


def _tracked_ballot(entry: object, group: Group) -> Ballot:
    fields = expect_object(entry, {"tracker", "ballot"}, "entry")
    tracker = expect_hash(fields["tracker"], "tracker")
    ballot = Ballot.from_dict(fields["ballot"], group)
    if ballot_tracker(ballot) != tracker:
        raise CryptoError(f"tracker {tracker} is not the hash of the ballot")
    return ballot


def _check_one_ballot_per_voter(state: _RecordState) -> str:
    election_hash = state.parameters.election_hash
    seen: dict[str, int] = {}
    for index, ballot in enumerate(state.ballots):
        if ballot.election_hash != election_hash:
            raise CryptoError(f"ballot {index} was cast for another election")
        if ballot.voter in seen:
            raise CryptoError(f"ballots {seen[ballot.voter]} and {index} share a voter pseudonym")
        seen[ballot.voter] = index
    return f"{len(seen)} distinct voter pseudonyms"


def _check_ballot_proofs(state: _RecordState) -> str:
    parameters, ballots = state.parameters, state.ballots
    verify_ballots(
        state.election_key.public_key,
        parameters.election_hash,
        ballots,
        parameters.candidate_count,
        parameters.min_selections,
        parameters.max_selections,
    )
    return f"{len(ballots)} ballots"


def _check_aggregate(state: _RecordState) -> str:
    parameters = state.parameters
    published = Aggregate.from_dict(parameters.group, state.file("aggregate.json"))
    recomputed = aggregate(state.ballots, parameters.candidate_count, parameters.group)
    if published.ballot_count != recomputed.ballot_count:
        raise CryptoError(
            f"ballot count {published.ballot_count}, the record holds {recomputed.ballot_count}"
        )
    if published.ciphertexts != recomputed.ciphertexts:
        raise CryptoError("ciphertexts are not the sum of the ballots' ciphertexts")
    state.checked_aggregate = published
    return f"{published.ballot_count} ballots, {len(published.ciphertexts)} candidates"


def _check_decryption_shares(state: _RecordState) -> str:
    key, parameters = state.election_key, state.parameters
    tally_aggregate = state.aggregate
    listing = expect_object(
        state.file("decryption.json"), {"partial_decryptions"}, "decryption.json"
    )
    partials = tuple(
        PartialDecryption.from_dict(parameters.group, item, f"partial decryption {index}")
        for index, item in enumerate(expect_list(listing["partial_decryptions"], "shares"))
    )
    trustees = [partial.trustee for partial in partials]
    if len(set(trustees)) != len(trustees) or len(trustees) < key.threshold:
        raise CryptoError(f"need {key.threshold} distinct trustees, got {trustees}")
    for partial in partials:
        verify_partial_decryption(key, tally_aggregate, partial, parameters.election_hash)
    state.checked_partials = partials
    return f"{len(partials)} of {key.trustee_count} trustees, threshold {key.threshold}"


def _check_published_counts(state: _RecordState) -> str:
    parameters = state.parameters
    listing = expect_object(state.file("results.json"), {"results"}, "results.json")
    rows = expect_list(listing["results"], "results", parameters.candidate_count)
    counts = []
    for name, row in zip(parameters.candidates, rows, strict=True):
        fields = expect_object(row, {"candidate", "votes"}, "result")
        if fields["candidate"] != name:
            raise CryptoError(f"result for {fields['candidate']!r} where {name!r} was expected")
        counts.append(expect_int(fields["votes"], f"votes for {name}"))
    tally = DecryptedTally(tuple(counts), state.partials)
    check_counts(state.election_key, state.aggregate, tally)
    return ", ".join(
        f"{name} {count}" for name, count in zip(parameters.candidates, counts, strict=True)
    )


_CHECKS: tuple[tuple[str, Callable[[_RecordState], str]], ...] = (
    ("record files", _check_record_files),
    ("parameters", _check_parameters),
    ("trustee commitments", _check_trustee_commitments),
    ("public key", _check_public_key),
    ("ballot trackers", _check_ballot_trackers),
    ("one ballot per voter", _check_one_ballot_per_voter),
    ("ballot proofs", _check_ballot_proofs),
    ("aggregate", _check_aggregate),
    ("decryption shares", _check_decryption_shares),
    ("published counts", _check_published_counts),
)
CHECK_NAMES = tuple(name for name, _ in _CHECKS)


def verify_record(directory: str | Path) -> tuple[CheckResult, ...]:
    """Run every check on the record in `directory`, in order; never raises for bad data."""
    if not isinstance(directory, str | Path):
        raise CryptoError("verify record: directory must be a path")
    state = _RecordState(Path(directory))
    results = []
    for name, check in _CHECKS:
        try:
            results.append(CheckResult(name, True, check(state)))
        except CryptoError as error:
            results.append(CheckResult(name, False, str(error)))
        except _Unavailable as missing:
            results.append(CheckResult(name, False, f"not checked: {missing}"))
    return tuple(results)


def verify_bundle(path: str | Path) -> tuple[CheckResult, ...]:
    """Verify a record downloaded as one JSON object (record file name -> its content): the
    files are written out canonically to a temporary folder and checked like a directory."""
    try:
        bundle = json.loads(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        return (CheckResult("record bundle", False, f"cannot read {path}: {exc}"),)
    if not isinstance(bundle, dict) or sorted(bundle) != sorted(RECORD_FILES):
        expected = ", ".join(RECORD_FILES)
        return (CheckResult("record bundle", False, f"expected exactly the keys {expected}"),)
    with tempfile.TemporaryDirectory(prefix="evcrypto-record-") as folder:
        for name in RECORD_FILES:
            try:
                (Path(folder) / name).write_bytes(canonical_json(bundle[name]))
            except CryptoError as error:
                return (CheckResult("record bundle", False, f"{name}: {error}"),)
        return verify_record(folder)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    if len(arguments) != 1 or not Path(arguments[0]).exists():
        print("usage: python -m evcrypto.verify <record-dir | record.json>", file=sys.stderr)
        return 2
    target = Path(arguments[0])
    results = verify_record(target) if target.is_dir() else verify_bundle(target)
    for result in results:
        print(result.line())
    return 0 if all(result.passed for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
