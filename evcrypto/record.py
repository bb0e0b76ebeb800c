"""The public election record: a directory of canonical JSON files (docs/election-record.md).

    parameters.json   ElectionParameters (its hash is the election hash)
    trustees.json     ElectionKey: threshold and every trustee's commitments and proofs
    public_key.json   the election public key (sum of the trustees' constant terms)
    ballots.json      {"ballots": [{"tracker": ..., "ballot": ...}, ...]} in cast order
    spoiled.json      {"spoiled": [{"tracker", "ballot", "choice", "randomness"}, ...]}: ballots
                      challenged instead of cast, with their revealed randomness; never counted
    aggregate.json    the homomorphic sum of all ballots' ciphertexts
    decryption.json   {"partial_decryptions": [...]}: trustees' factors with proofs
    results.json      {"results": [{"candidate": name, "votes": n}, ...]}

A format-2 record (contests, evcrypto.contests) has a ninth file, and other results:

    weights.json      {"weights": {voter pseudonym: weight, ...}}: every cast ballot's voter
                      (a weighted election: the roll its parameters' weights_hash commits to)
    results.json      {"ballot_count": n, "contests": [{"id", "results": [{"option", "total"}]}],
                       "total_weight": w, "weighted": bool}

Each file is exactly the canonical JSON bytes of its value, with no trailing newline, so a
changed byte either breaks the JSON, breaks canonical form, or changes a checked value.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from evcrypto.ballot import Ballot
from evcrypto.contest_ballot import AnyBallot, ContestBallot, ballot_tracker
from evcrypto.contests import contest_slices
from evcrypto.encoding import canonical_json, parse_canonical_json
from evcrypto.errors import CryptoError
from evcrypto.keys import ElectionKey
from evcrypto.parameters import ElectionParameters
from evcrypto.spoil import SpoiledBallot
from evcrypto.tally import Aggregate, DecryptedTally

RECORD_FILES = (
    "parameters.json",
    "trustees.json",
    "public_key.json",
    "ballots.json",
    "spoiled.json",
    "aggregate.json",
    "decryption.json",
    "results.json",
)
WEIGHTS_FILE = "weights.json"
CONTESTS_RECORD_FILES = (*RECORD_FILES, WEIGHTS_FILE)


def record_files(parameters: ElectionParameters) -> tuple[str, ...]:
    """The files of a record of this election's format."""
    return CONTESTS_RECORD_FILES if parameters.contests else RECORD_FILES


@dataclass(frozen=True)
class ElectionRecord:
    """Everything the verifier needs to re-check an election from public data."""

    parameters: ElectionParameters
    election_key: ElectionKey
    ballots: tuple[AnyBallot, ...]
    aggregate: Aggregate
    tally: DecryptedTally
    spoiled: tuple[SpoiledBallot, ...] = ()
    weights: Mapping[str, int] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        expected = (ElectionParameters, ElectionKey, tuple, Aggregate, DecryptedTally)
        values = (self.parameters, self.election_key, self.ballots, self.aggregate, self.tally)
        for value, kind in zip(values, expected, strict=True):
            if not isinstance(value, kind):
                raise CryptoError(f"election record: expected {kind.__name__}")
        for ballot in self.ballots:
            if not isinstance(ballot, Ballot | ContestBallot):
                raise CryptoError("election record: every ballot must be a Ballot")
        if not isinstance(self.spoiled, tuple) or not all(
            isinstance(spoiled, SpoiledBallot) for spoiled in self.spoiled
        ):
            raise CryptoError("election record: spoiled must be a tuple of SpoiledBallot")
        if len(self.tally.counts) != self.parameters.candidate_count:
            raise CryptoError("election record: one count per candidate needed")
        if self.parameters.contests:
            self._check_contests_record()
        elif self.weights is not None:
            raise CryptoError("election record: a format-1 record has no weights")

    def _check_contests_record(self) -> None:
        if self.aggregate.total_weight is None:
            raise CryptoError("election record: a format-2 aggregate needs its total weight")
        try:
            weights = self.parameters.check_weight_roll(self.weights)
        except CryptoError as error:
            raise CryptoError(f"election record: {error}") from None
        if not self.parameters.weighted:  # every voter weighs 1: list them so
            weights = {ballot.voter: 1 for ballot in self.ballots}
        for ballot in self.ballots:
            if ballot.voter not in weights:
                raise CryptoError(f"election record: no weight for voter {ballot.voter}")
        object.__setattr__(self, "weights", weights)

    def file_values(self) -> dict[str, object]:
        """The JSON value of each record file."""
        candidates = self.parameters.candidates
        values = {
            "parameters.json": self.parameters.to_dict(),
            "trustees.json": self.election_key.to_dict(),
            "public_key.json": self.election_key.public_key.to_dict(),
            "ballots.json": {
                "ballots": [
                    {"tracker": ballot_tracker(ballot), "ballot": ballot.to_dict()}
                    for ballot in self.ballots
                ]
            },
            "spoiled.json": {"spoiled": [spoiled.to_dict() for spoiled in self.spoiled]},
            "aggregate.json": self.aggregate.to_dict(),
            "decryption.json": {
                "partial_decryptions": [p.to_dict() for p in self.tally.partial_decryptions]
            },
            "results.json": {
                "results": [
                    {"candidate": name, "votes": count}
                    for name, count in zip(candidates, self.tally.counts, strict=True)
                ]
            },
        }
        if self.parameters.contests:
            values[WEIGHTS_FILE] = {"weights": dict(self.weights or {})}
            values["results.json"] = contests_results(
                self.parameters, self.aggregate, self.tally.counts
            )
        return values


def contests_results(
    parameters: ElectionParameters, aggregate: Aggregate, counts: tuple[int, ...]
) -> dict[str, object]:
    """results.json of a format-2 record: each contest's totals, and the weights behind them."""
    contests = parameters.contests
    return {
        "ballot_count": aggregate.ballot_count,
        "total_weight": aggregate.counted_weight,
        "weighted": parameters.weighted,
        "contests": [
            {
                "id": contest.contest_id,
                "results": [
                    {"option": name, "total": total}
                    for name, total in zip(contest.options, counts[where], strict=True)
                ],
            }
            for contest, where in zip(contests, contest_slices(contests), strict=True)
        ],
    }


def write_record(directory: str | Path, record: ElectionRecord) -> None:
    """Write `record` as canonical JSON files into `directory` (created if missing)."""
    if not isinstance(record, ElectionRecord):
        raise CryptoError("write record: expected an ElectionRecord")
    if not isinstance(directory, str | Path):
        raise CryptoError("write record: directory must be a path")
    path = Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
        for name, value in record.file_values().items():
            (path / name).write_bytes(canonical_json(value))
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the path
        raise CryptoError(f"write record: {error}") from None


def read_record_file(directory: str | Path, name: str) -> object:
    """The JSON value of one record file; CryptoError if missing or not canonical JSON."""
    try:
        data = (Path(directory) / name).read_bytes()
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the path
        raise CryptoError(f"{name}: cannot read ({error})") from None
    try:
        return parse_canonical_json(data)
    except CryptoError as error:
        raise CryptoError(f"{name}: {error}") from None
