"""Election parameters and the election hash that binds every proof to one election.

Format 1 (``evoting-election-record/1``) is one question: candidates, each chosen or not,
min..max of them. Format 2 (``evoting-election-record/2``) holds contests (evcrypto.contests),
each with its own counting rule, and may weight voters; it is used only for elections that
need it: more than one contest, a rule other than ``choose``, or weights. A format-1
election's parameters, hash and ballots are exactly what they were before format 2 existed.
"""

from dataclasses import dataclass, field

from evcrypto.contests import Contest, check_contests, check_weights, weight_roll_hash
from evcrypto.encoding import (
    canonical_json,
    expect_hash,
    expect_int,
    expect_list,
    expect_object,
    expect_str,
    sha256_hex,
)
from evcrypto.errors import CryptoError
from evcrypto.group import Group, group_named
from evcrypto.keys import MAX_TRUSTEES
from evcrypto.secp256k1 import SECP256K1

RECORD_FORMAT = "evoting-election-record/1"
CONTESTS_FORMAT = "evoting-election-record/2"
MAX_CANDIDATES = 1000
_CONTESTS_FIELDS = {
    "format",
    "election_id",
    "title",
    "contests",
    "weighted",
    "threshold",
    "trustee_count",
    "group",
}
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


def check_selection_limits(
    min_selections: object, max_selections: object, candidates: object
) -> None:
    candidates = expect_int(candidates, "candidate count", 1, MAX_CANDIDATES)
    for value, what in ((min_selections, "min_selections"), (max_selections, "max_selections")):
        if isinstance(value, bool) or not isinstance(value, int):
            raise CryptoError(f"{what}: expected an integer")
    if not 0 <= min_selections <= max_selections <= candidates:  # type: ignore[operator]
        raise CryptoError(
            f"selection limits: need 0 <= min <= max <= {candidates} candidates, "
            f"got {min_selections}..{max_selections}"
        )


@dataclass(frozen=True)
class ElectionParameters:
    """What an election is, fixed before its key ceremony. `election_hash` is the SHA-256 hex
    of `to_dict()`'s canonical JSON; every ballot and proof names it.

    Format 1: `candidates` with `min_selections`..`max_selections`. Format 2: `contests`
    (and `weighted`), no candidates of its own: `candidates` then lists every contest's
    options in order, so code that counts options keeps working. A weighted election
    commits to its weight roll (`weights_hash`, evcrypto.contests.weight_roll_hash), so the
    weights are inside the election hash that the key ceremony and every ballot bind."""

    election_id: str
    title: str
    candidates: tuple[str, ...] = ()
    min_selections: int = 1
    max_selections: int = 1
    threshold: int = 1
    trustee_count: int = 1
    group: Group = SECP256K1
    contests: tuple[Contest, ...] = field(default=())
    weighted: bool = False
    weights_hash: str | None = None

    def __post_init__(self) -> None:
        expect_str(self.election_id, "election id")
        expect_str(self.title, "election title", max_length=1000)
        if not isinstance(self.weighted, bool):
            raise CryptoError("parameters: weighted must be a boolean")
        if self.contests != ():
            self._check_contests()
        elif self.weighted:
            raise CryptoError("parameters: a weighted election needs contests (format 2)")
        if self.weighted:
            if self.weights_hash is None:
                raise CryptoError(
                    "parameters: a weighted election commits to its weight roll: give "
                    "weights_hash (evcrypto.weight_roll_hash)"
                )
            expect_hash(self.weights_hash, "parameters: weights_hash")
        elif self.weights_hash is not None:
            raise CryptoError("parameters: weights_hash belongs to a weighted election only")
        if not isinstance(self.candidates, tuple) or not 0 < len(self.candidates) <= MAX_CANDIDATES:
            raise CryptoError(f"candidates: need a tuple of 1..{MAX_CANDIDATES} names")
        for name in self.candidates:
            expect_str(name, "candidate name")
        check_selection_limits(self.min_selections, self.max_selections, len(self.candidates))
        count = expect_int(self.trustee_count, "trustee count", 1, MAX_TRUSTEES)
        expect_int(self.threshold, "threshold", 1, count)
        if not isinstance(self.group, Group):
            raise CryptoError("parameters: group must be a Group")

    def _check_contests(self) -> None:
        contests = check_contests(self.contests)
        options = tuple(name for contest in contests for name in contest.options)
        if self.candidates not in ((), options) or (
            self.min_selections,
            self.max_selections,
        ) != (1, 1):
            raise CryptoError(
                "parameters: with contests, options and selection limits belong to each "
                "contest (give no candidates, min_selections or max_selections)"
            )
        only = contests[0]
        if len(contests) == 1 and only.rule.kind == "choose" and not self.weighted:
            raise CryptoError(
                "parameters: one choose contest without weights is format 1: give "
                "candidates, min_selections and max_selections instead"
            )
        object.__setattr__(self, "candidates", options)

    @property
    def election_hash(self) -> str:
        return sha256_hex(canonical_json(self.to_dict()))

    @property
    def format(self) -> str:
        return CONTESTS_FORMAT if self.contests else RECORD_FORMAT

    @property
    def value_maxima(self) -> tuple[int, ...]:
        """The most one ballot can add to each option (in `candidates` order)."""
        if not self.contests:
            return (1,) * len(self.candidates)
        return tuple(c.rule.option_max for c in self.contests for _ in c.options)

    @property
    def candidate_count(self) -> int:
        return len(self.candidates)

    def check_weight_roll(self, weights: object) -> dict[str, int]:
        """The weights a format-2 tally applies: for a weighted election exactly the roll
        `weights_hash` commits to (CryptoError if `weights` is missing or another roll); for
        an unweighted one `weights` may be None or give every voter 1."""
        if not self.contests:
            raise CryptoError("weights: a format-1 election has no weights")
        if not self.weighted:
            roll = check_weights({} if weights is None else weights)
            if any(weight != 1 for weight in roll.values()):
                raise CryptoError("weights: the election does not weight its voters")
            return roll
        if weights is None:
            raise CryptoError("weights: a weighted election needs its weight roll")
        if weight_roll_hash(weights, self.contests) != self.weights_hash:
            raise CryptoError(
                "weights: not the weight roll the parameters commit to (weights_hash)"
            )
        return check_weights(weights)

    def to_dict(self) -> dict[str, object]:
        if self.contests:
            value: dict[str, object] = {
                "format": CONTESTS_FORMAT,
                "election_id": self.election_id,
                "title": self.title,
                "contests": [contest.to_dict() for contest in self.contests],
                "weighted": self.weighted,
                "threshold": self.threshold,
                "trustee_count": self.trustee_count,
                "group": self.group.name,
            }
            if self.weighted:
                value["weights_hash"] = self.weights_hash
            return value
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
        if isinstance(data, dict) and data.get("format") == CONTESTS_FORMAT:
            return cls._from_contests_dict(data)
        fields = expect_object(data, _FIELDS, "parameters")
        if fields["format"] != RECORD_FORMAT:
            raise CryptoError(
                f"parameters: format must be {RECORD_FORMAT!r} or {CONTESTS_FORMAT!r}"
            )
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

    @classmethod
    def _from_contests_dict(cls, data: object) -> "ElectionParameters":
        keys = set(_CONTESTS_FIELDS)
        if isinstance(data, dict) and data.get("weighted") is True:
            keys.add("weights_hash")
        fields = expect_object(data, keys, "parameters")
        contests = expect_list(fields["contests"], "contests")
        return cls(
            election_id=fields["election_id"],
            title=fields["title"],
            threshold=fields["threshold"],
            trustee_count=fields["trustee_count"],
            group=group_named(fields["group"]),
            contests=tuple(
                Contest.from_dict(item, f"contest {index}") for index, item in enumerate(contests)
            ),
            weighted=fields["weighted"],
            weights_hash=fields.get("weights_hash"),
        )
