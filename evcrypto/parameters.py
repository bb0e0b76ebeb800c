"""Election parameters and the election hash that binds every proof to one election."""

from dataclasses import dataclass

from evcrypto.ballot import MAX_CANDIDATES, check_selection_limits
from evcrypto.encoding import (
    canonical_json,
    expect_int,
    expect_list,
    expect_object,
    expect_str,
    sha256_hex,
)
from evcrypto.errors import CryptoError
from evcrypto.group import SECP256K1, Group, group_named
from evcrypto.keys import MAX_TRUSTEES

RECORD_FORMAT = "evoting-election-record/1"
_FIELDS = {
    "format",
    "election_id",
    "title",
    "candidates",
    "min_selections",
    "max_selections",
    "threshold",
    "trustee_count",
    "group",
}


@dataclass(frozen=True)
class ElectionParameters:
    """What an election is, fixed before its key ceremony. `election_hash` is the SHA-256 hex
    of `to_dict()`'s canonical JSON; every ballot and proof names it."""

    election_id: str
    title: str
    candidates: tuple[str, ...]
    min_selections: int = 1
    max_selections: int = 1
    threshold: int = 1
    trustee_count: int = 1
    group: Group = SECP256K1

    def __post_init__(self) -> None:
        expect_str(self.election_id, "election id")
        expect_str(self.title, "election title", max_length=1000)
        if not isinstance(self.candidates, tuple) or not 0 < len(self.candidates) <= MAX_CANDIDATES:
            raise CryptoError(f"candidates: need a tuple of 1..{MAX_CANDIDATES} names")
        for name in self.candidates:
            expect_str(name, "candidate name")
        check_selection_limits(self.min_selections, self.max_selections, len(self.candidates))
        count = expect_int(self.trustee_count, "trustee count", 1, MAX_TRUSTEES)
        expect_int(self.threshold, "threshold", 1, count)
        if not isinstance(self.group, Group):
            raise CryptoError("parameters: group must be a Group")

    @property
    def election_hash(self) -> str:
        return sha256_hex(canonical_json(self.to_dict()))

    @property
    def candidate_count(self) -> int:
        return len(self.candidates)

    def to_dict(self) -> dict[str, object]:
        return {
            "format": RECORD_FORMAT,
            "election_id": self.election_id,
            "title": self.title,
            "candidates": list(self.candidates),
            "min_selections": self.min_selections,
            "max_selections": self.max_selections,
            "threshold": self.threshold,
            "trustee_count": self.trustee_count,
            "group": self.group.name,
        }

    @classmethod
    def from_dict(cls, data: object) -> "ElectionParameters":
        fields = expect_object(data, _FIELDS, "parameters")
        if fields["format"] != RECORD_FORMAT:
            raise CryptoError(f"parameters: format must be {RECORD_FORMAT!r}")
        return cls(
            election_id=fields["election_id"],
            title=fields["title"],
            candidates=tuple(expect_list(fields["candidates"], "candidates")),
            min_selections=fields["min_selections"],
            max_selections=fields["max_selections"],
            threshold=fields["threshold"],
            trustee_count=fields["trustee_count"],
            group=group_named(fields["group"]),
        )
