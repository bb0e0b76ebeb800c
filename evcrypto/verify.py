"""Independent verifier of a published election record.

    python -m evcrypto.verify <record-dir>

Recomputes everything from the public files (see docs/election-record.md) and prints one line
per check, `ok   <check> (<detail>)` or `FAIL <check>: <reason>`; exits 0 if and only if every
check passes. It imports no Django and trusts nothing in the record it can recompute.
"""

import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from evcrypto.batch import verify_election_ballots
from evcrypto.contest_ballot import AnyBallot, ballot_from_dict, ballot_tracker
from evcrypto.contests import check_weights, contest_slices
from evcrypto.elgamal import ElectionPublicKey
from evcrypto.encoding import (
    canonical_json,
    expect_hash,
    expect_int,
    expect_list,
    expect_object,
    parse_json,
    sha256_hex,
)
from evcrypto.errors import CryptoError
from evcrypto.group import Group
from evcrypto.keys import ElectionKey, verify_election_key
from evcrypto.parameters import ElectionParameters
from evcrypto.record import (
    CONTESTS_RECORD_FILES,
    RECORD_FILES,
    WEIGHTS_FILE,
    contests_results,
    read_record_file,
)
from evcrypto.spoil import SpoiledBallot, verify_spoiled_ballot
from evcrypto.tally import (
    Aggregate,
    DecryptedTally,
    PartialDecryption,
    check_counts,
    election_aggregate,
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
        self.checked_ballots: list[AnyBallot] | None = None
        self.checked_weights: dict[str, int] | None = None
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
    def ballots(self) -> list[AnyBallot]:
        return _established(self.checked_ballots, "ballots")

    @property
    def weights(self) -> dict[str, int]:
        return _established(self.checked_weights, "voter weights")

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
    if (state.directory / WEIGHTS_FILE).exists():
        try:
            state.files[WEIGHTS_FILE] = read_record_file(state.directory, WEIGHTS_FILE)
        except CryptoError as error:
            errors.append(str(error))
    if errors:
        raise CryptoError("; ".join(errors))
    return f"{len(state.files)} files in canonical JSON"


def _check_parameters(state: _RecordState) -> str:
    parameters = ElectionParameters.from_dict(state.file("parameters.json"))
    if parameters.group.insecure:
        raise CryptoError(f"group {parameters.group.name} is for tests only")
    has_weights = WEIGHTS_FILE in state.files
    if parameters.contests and not has_weights:
        raise CryptoError(f"a {parameters.format} record needs {WEIGHTS_FILE}")
    if not parameters.contests and has_weights:
        raise CryptoError(f"a {parameters.format} record has no {WEIGHTS_FILE}")
    state.checked_parameters = parameters
    if parameters.contests:
        rules = ", ".join(
            f"{c.contest_id}: {len(c.options)} options, {c.rule.kind}" for c in parameters.contests
        )
        weighted = "weighted" if parameters.weighted else "unweighted"
        return (
            f"{parameters.format}, {len(parameters.contests)} contests ({rules}), {weighted}, "
            f"election hash {parameters.election_hash}"
        )
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


def _tracked_ballot(entry: object, group: Group) -> AnyBallot:
    fields = expect_object(entry, {"tracker", "ballot"}, "entry")
    tracker = expect_hash(fields["tracker"], "tracker")
    ballot = ballot_from_dict(fields["ballot"], group)
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


def _check_voter_weights(state: _RecordState) -> str:
    """Format 2: weights.json gives every cast ballot's voter a weight (all 1 unless the
    election is weighted; if it is, weights.json is the roll whose hash the parameters, and
    so the election hash, hold). Format 1 has no weights: every ballot counts once."""
    parameters, ballots = state.parameters, state.ballots
    if not parameters.contests:
        state.checked_weights = {}
        return "no weights: every ballot counts once"
    listing = expect_object(state.file(WEIGHTS_FILE), {"weights"}, WEIGHTS_FILE)
    if not isinstance(listing["weights"], dict):
        raise CryptoError("weights: expected an object of voter pseudonym to weight")
    weights = check_weights(listing["weights"])
    if not parameters.weighted and any(weight != 1 for weight in weights.values()):
        raise CryptoError("the election is not weighted, yet a weight is not 1")
    if parameters.weighted and sha256_hex(canonical_json(listing)) != parameters.weights_hash:
        raise CryptoError(
            f"{WEIGHTS_FILE} is not the weight roll the parameters commit to (weights_hash "
            f"{parameters.weights_hash})"
        )
    for index, ballot in enumerate(ballots):
        if ballot.voter not in weights:
            raise CryptoError(f"ballot {index}: no weight for voter {ballot.voter}")
    state.checked_weights = weights
    total = sum(weights[ballot.voter] for ballot in ballots)
    return f"{len(weights)} voters, total weight {total} of {len(ballots)} ballots"


def _check_ballot_proofs(state: _RecordState) -> str:
    parameters, ballots = state.parameters, state.ballots
    verify_election_ballots(parameters, state.election_key.public_key, ballots)
    if parameters.contests:
        return f"{len(ballots)} ballots, {len(parameters.contests)} contests each"
    return f"{len(ballots)} ballots"


def _check_spoiled_ballots(state: _RecordState) -> str:
    """Each spoiled ballot is a valid ballot of this election whose revealed randomness
    re-creates its ciphertexts for exactly its published choice, and none was also cast."""
    parameters, public_key = state.parameters, state.election_key.public_key
    cast = {ballot_tracker(ballot) for ballot in state.ballots}
    listing = expect_object(state.file("spoiled.json"), {"spoiled"}, "spoiled.json")
    for index, entry in enumerate(expect_list(listing["spoiled"], "spoiled")):
        name = f"spoiled ballot {index}"
        if isinstance(entry, dict) and isinstance(entry.get("tracker"), str):
            name = f"spoiled ballot {entry['tracker']}"
        try:
            spoiled = SpoiledBallot.from_dict(entry, parameters.group)
            verify_spoiled_ballot(parameters, public_key, spoiled)
        except CryptoError as error:
            raise CryptoError(f"{name}: {error}") from None
        if spoiled.tracker in cast:
            raise CryptoError(f"{name} is also among the cast ballots")
    return f"{len(listing['spoiled'])} spoiled ballots re-created from their randomness"


def _check_aggregate(state: _RecordState) -> str:
    parameters = state.parameters
    published = Aggregate.from_dict(parameters.group, state.file("aggregate.json"))
    weights = state.weights if parameters.contests else None
    recomputed = election_aggregate(parameters, state.ballots, weights)
    if published.ballot_count != recomputed.ballot_count:
        raise CryptoError(
            f"ballot count {published.ballot_count}, the record holds {recomputed.ballot_count}"
        )
    if published.total_weight != recomputed.total_weight:
        raise CryptoError(
            f"total weight {published.total_weight}, the ballots' weights add up to "
            f"{recomputed.total_weight}"
        )
    if published.ciphertexts != recomputed.ciphertexts:
        raise CryptoError("ciphertexts are not the sum of the ballots' ciphertexts")
    state.checked_aggregate = published
    if parameters.contests:
        return (
            f"{published.ballot_count} ballots of total weight {published.total_weight}, "
            f"{len(published.ciphertexts)} options, each ballot times its weight"
        )
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
    if parameters.contests:
        return _check_contest_totals(state)
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


def _check_contest_totals(state: _RecordState) -> str:
    """Format 2: results.json is exactly the document its totals make, and every total is the
    decryption of its option's aggregate ciphertext."""
    parameters, tally_aggregate = state.parameters, state.aggregate
    published = state.file("results.json")
    fields = expect_object(
        published, {"ballot_count", "contests", "total_weight", "weighted"}, "results.json"
    )
    contests = expect_list(fields["contests"], "results contests", len(parameters.contests))
    totals: list[int] = []
    for contest, entry in zip(parameters.contests, contests, strict=True):
        part = expect_object(entry, {"id", "results"}, "contest result")
        rows = expect_list(part["results"], f"results of {part['id']}", len(contest.options))
        for row in rows:
            value = expect_object(row, {"option", "total"}, "result")
            totals.append(expect_int(value["total"], f"total of {value['option']}"))
    expected = contests_results(parameters, tally_aggregate, tuple(totals))
    if published != expected:
        raise CryptoError(
            "results.json does not name the contests, options, ballot count, total weight "
            "and weighting of the parameters and the aggregate"
        )
    tally = DecryptedTally(tuple(totals), state.partials)
    check_counts(state.election_key, tally_aggregate, tally, parameters.value_maxima)
    weighted = f"weighted, total weight {tally_aggregate.total_weight}; "
    return (weighted if parameters.weighted else "") + "; ".join(
        f"{contest.contest_id}: "
        + ", ".join(
            f"{name} {total}" for name, total in zip(contest.options, totals[where], strict=True)
        )
        for contest, where in zip(
            parameters.contests, contest_slices(parameters.contests), strict=True
        )
    )


_CHECKS: tuple[tuple[str, Callable[[_RecordState], str]], ...] = (
    ("record files", _check_record_files),
    ("parameters", _check_parameters),
    ("trustee commitments", _check_trustee_commitments),
    ("public key", _check_public_key),
    ("ballot trackers", _check_ballot_trackers),
    ("one ballot per voter", _check_one_ballot_per_voter),
    ("voter weights", _check_voter_weights),
    ("ballot proofs", _check_ballot_proofs),
    ("spoiled ballots", _check_spoiled_ballots),
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
    try:  # any whitespace and key order, but never a duplicate key (parse_json)
        bundle = parse_json(Path(path).read_bytes())
    except (OSError, ValueError, CryptoError) as exc:
        return (CheckResult("record bundle", False, f"cannot read {path}: {exc}"),)
    shapes = (sorted(RECORD_FILES), sorted(CONTESTS_RECORD_FILES))
    if not isinstance(bundle, dict) or sorted(bundle) not in shapes:
        expected = ", ".join(RECORD_FILES)
        return (
            CheckResult(
                "record bundle",
                False,
                f"expected exactly the keys {expected} (and {WEIGHTS_FILE} for format 2)",
            ),
        )
    with tempfile.TemporaryDirectory(prefix="evcrypto-record-") as folder:
        for name in bundle:
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
