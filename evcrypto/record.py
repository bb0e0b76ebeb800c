"""The public election record: a directory of canonical JSON files (docs/election-record.md).

    parameters.json   ElectionParameters (its hash is the election hash)
    trustees.json     ElectionKey: threshold and every trustee's commitments and proofs
    public_key.json   the election public key (sum of the trustees' constant terms)
    ballots.json      {"ballots": [{"tracker": ..., "ballot": ...}, ...]} in cast order
    aggregate.json    the homomorphic sum of all ballots' ciphertexts
    decryption.json   {"partial_decryptions": [...]}: trustees' factors with proofs
    results.json      {"results": [{"candidate": name, "votes": n}, ...]}

Each file is exactly the canonical JSON bytes of its value, with no trailing newline, so a
changed byte either breaks the JSON, breaks canonical form, or changes a checked value.
"""

from dataclasses import dataclass
from pathlib import Path

from evcrypto.ballot import Ballot, ballot_tracker
from evcrypto.encoding import canonical_json, parse_canonical_json
from evcrypto.errors import CryptoError
from evcrypto.keys import ElectionKey
from evcrypto.parameters import ElectionParameters
from evcrypto.tally import Aggregate, DecryptedTally

RECORD_FILES = (
    "parameters.json",
    "trustees.json",
    "public_key.json",
    "ballots.json",
    "aggregate.json",
    "decryption.json",
    "results.json",
)


@dataclass(frozen=True)
class ElectionRecord:
    """Everything the verifier needs to re-check an election from public data."""

    parameters: ElectionParameters
    election_key: ElectionKey
    ballots: tuple[Ballot, ...]
    aggregate: Aggregate
    tally: DecryptedTally

    def __post_init__(self) -> None:
        expected = (ElectionParameters, ElectionKey, tuple, Aggregate, DecryptedTally)
        values = (self.parameters, self.election_key, self.ballots, self.aggregate, self.tally)
        for value, kind in zip(values, expected, strict=True):
            if not isinstance(value, kind):
                raise CryptoError(f"election record: expected {kind.__name__}")
        for ballot in self.ballots:
            if not isinstance(ballot, Ballot):
                raise CryptoError("election record: every ballot must be a Ballot")
        if len(self.tally.counts) != self.parameters.candidate_count:
            raise CryptoError("election record: one count per candidate needed")

    def file_values(self) -> dict[str, object]:
        """The JSON value of each record file."""
        candidates = self.parameters.candidates
        return {
            "parameters.json": self.parameters.to_dict(),
            "trustees.json": self.election_key.to_dict(),
            "public_key.json": self.election_key.public_key.to_dict(),
            "ballots.json": {
                "ballots": [
                    {"tracker": ballot_tracker(ballot), "ballot": ballot.to_dict()}
                    for ballot in self.ballots
                ]
            },
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
