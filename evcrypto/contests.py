"""Contests and their counting rules (record format 2).

An election of format 2 holds one or more contests; each has an id, a title, its options and
one counting rule. A rule says what one ballot may put on each option and, where it bounds
them, on the contest's total; each bound is proven with a range proof over exponential ElGamal
(evcrypto.ballot's disjunctive Chaum-Pedersen proof):

* ``choose`` (min..max): 0 or 1 per option, min..max options chosen (approval is 0..n, a
  yes/no question a single option with 0..1, or two options with 1..1);
* ``score`` (S): 0..S on each option, the total unbounded;
* ``cumulative`` (K, c): 0..c on each option, 0..K points in total.

The bounds are small on purpose: a range proof has one branch per value it allows.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from evcrypto.dlog import MAX_BOUND
from evcrypto.encoding import (
    canonical_json,
    expect_int,
    expect_list,
    expect_object,
    expect_str,
    sha256_hex,
)
from evcrypto.errors import CryptoError

MAX_SCORE = 10  # S of a score rule
MAX_POINTS = 100  # K of a cumulative rule
MAX_CONTESTS = 100
MAX_OPTIONS = 1000  # options over all contests of an election, as for candidates
MAX_CONTEST_ID = 64


def _limit(value: object, what: str, low: int, high: int) -> int:
    return expect_int(value, what, low, high)


@dataclass(frozen=True)
class Choose:
    """Between `min_selections` and `max_selections` options, each chosen (1) or not (0)."""

    kind: ClassVar[str] = "choose"
    min_selections: int
    max_selections: int

    def __post_init__(self) -> None:
        low = _limit(self.min_selections, "choose rule min", 0, MAX_OPTIONS)
        _limit(self.max_selections, "choose rule max", low, MAX_OPTIONS)
        if self.max_selections == 0:
            raise CryptoError("choose rule: max must be at least 1")

    def check_options(self, count: int) -> None:
        if self.max_selections > count:
            raise CryptoError(f"choose rule: max {self.max_selections} above {count} options")

    @property
    def option_max(self) -> int:
        return 1

    @property
    def total_range(self) -> tuple[int, int] | None:
        return (self.min_selections, self.max_selections)

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "min": self.min_selections, "max": self.max_selections}


@dataclass(frozen=True)
class Score:
    """0..`max_score` on each option."""

    kind: ClassVar[str] = "score"
    max_score: int

    def __post_init__(self) -> None:
        _limit(self.max_score, "score rule max_score", 1, MAX_SCORE)

    def check_options(self, count: int) -> None:
        return None

    @property
    def option_max(self) -> int:
        return self.max_score

    @property
    def total_range(self) -> tuple[int, int] | None:
        return None

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "max_score": self.max_score}


@dataclass(frozen=True)
class Cumulative:
    """Up to `points` in total, at most `max_per_option` on any one option."""

    kind: ClassVar[str] = "cumulative"
    points: int
    max_per_option: int

    def __post_init__(self) -> None:
        points = _limit(self.points, "cumulative rule points", 1, MAX_POINTS)
        _limit(self.max_per_option, "cumulative rule max_per_option", 1, points)

    def check_options(self, count: int) -> None:
        return None

    @property
    def option_max(self) -> int:
        return self.max_per_option

    @property
    def total_range(self) -> tuple[int, int] | None:
        return (0, self.points)

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "points": self.points, "max_per_option": self.max_per_option}


Rule = Choose | Score | Cumulative

_RULE_FIELDS: dict[str, set[str]] = {
    "choose": {"kind", "min", "max"},
    "score": {"kind", "max_score"},
    "cumulative": {"kind", "points", "max_per_option"},
}


def rule_from_dict(data: object, what: str) -> Rule:
    kind = data.get("kind") if isinstance(data, dict) else None
    if not isinstance(kind, str) or kind not in _RULE_FIELDS:  # a list would not hash
        raise CryptoError(f"{what}: kind must be one of {sorted(_RULE_FIELDS)}")
    fields = expect_object(data, _RULE_FIELDS[kind], what)
    if fields["kind"] == "choose":
        return Choose(fields["min"], fields["max"])
    if fields["kind"] == "score":
        return Score(fields["max_score"])
    return Cumulative(fields["points"], fields["max_per_option"])


@dataclass(frozen=True)
class Contest:
    """One question of a ballot: its id (unique in the election), title, options and rule."""

    contest_id: str
    title: str
    options: tuple[str, ...]
    rule: Rule

    def __post_init__(self) -> None:
        expect_str(self.contest_id, "contest id", max_length=MAX_CONTEST_ID)
        expect_str(self.title, f"contest {self.contest_id} title", max_length=1000)
        if not isinstance(self.options, tuple) or not 0 < len(self.options) <= MAX_OPTIONS:
            raise CryptoError(
                f"contest {self.contest_id}: need a tuple of 1..{MAX_OPTIONS} options"
            )
        for name in self.options:
            expect_str(name, f"contest {self.contest_id} option name")
        if not isinstance(self.rule, Choose | Score | Cumulative):
            raise CryptoError(
                f"contest {self.contest_id}: rule must be Choose, Score or Cumulative"
            )
        self.rule.check_options(len(self.options))

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.contest_id,
            "title": self.title,
            "options": list(self.options),
            "rule": self.rule.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: object, what: str) -> "Contest":
        fields = expect_object(data, {"id", "title", "options", "rule"}, what)
        return cls(
            contest_id=fields["id"],
            title=fields["title"],
            options=tuple(expect_list(fields["options"], f"{what} options")),
            rule=rule_from_dict(fields["rule"], f"{what} rule"),
        )

    def check_values(self, values: object) -> list[int]:
        """`values` (one integer per option) if this contest's rule allows them."""
        where = f"contest {self.contest_id}"
        if not isinstance(values, Sequence) or isinstance(values, str | bytes):
            raise CryptoError(f"{where}: expected a sequence of integers")
        if len(values) != len(self.options):
            raise CryptoError(f"{where}: {len(values)} values for {len(self.options)} options")
        high = self.rule.option_max
        for value in values:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
                raise CryptoError(f"{where}: every value must be an integer in 0..{high}")
        limits = self.rule.total_range
        if limits is not None and not limits[0] <= sum(values) <= limits[1]:
            raise CryptoError(f"{where}: total {sum(values)} outside {limits[0]}..{limits[1]}")
        return list(values)


def check_contests(contests: object) -> tuple[Contest, ...]:
    """`contests` if it is a tuple of 1..MAX_CONTESTS contests with unique ids and at most
    MAX_OPTIONS options in all."""
    if not isinstance(contests, tuple) or not 0 < len(contests) <= MAX_CONTESTS:
        raise CryptoError(f"contests: need a tuple of 1..{MAX_CONTESTS} contests")
    ids: set[str] = set()
    for contest in contests:
        if not isinstance(contest, Contest):
            raise CryptoError("contests: every contest must be a Contest")
        if contest.contest_id in ids:
            raise CryptoError(f"contests: id {contest.contest_id!r} appears twice")
        ids.add(contest.contest_id)
    if sum(len(contest.options) for contest in contests) > MAX_OPTIONS:
        raise CryptoError(f"contests: more than {MAX_OPTIONS} options in all")
    return contests


def contest_slices(contests: Sequence[Contest]) -> list[slice]:
    """Where each contest's options sit in the flat list of all options."""
    slices, start = [], 0
    for contest in contests:
        slices.append(slice(start, start + len(contest.options)))
        start += len(contest.options)
    return slices


MAX_WEIGHT = 1_000_000


def check_weight(value: object, what: str) -> int:
    return expect_int(value, what, 1, MAX_WEIGHT)


def check_weights(weights: object, what: str = "weights") -> dict[str, int]:
    """A mapping of voter pseudonym -> weight (1..MAX_WEIGHT)."""
    if not isinstance(weights, Mapping):
        raise CryptoError(f"{what}: expected a mapping of voter pseudonym to weight")
    checked = {}
    for voter, weight in weights.items():
        expect_str(voter, f"{what}: voter pseudonym")
        checked[voter] = check_weight(weight, f"{what}: weight of {voter}")
    return checked


def check_weight_ceiling(total_weight: int, contests: Sequence[Contest]) -> None:
    """Refuse a total weight whose options' totals could exceed what a tally can decrypt:
    total weight times the largest value one ballot puts on an option, at most MAX_BOUND."""
    high = max(contest.rule.option_max for contest in contests)
    if total_weight * high > MAX_BOUND:
        raise CryptoError(
            f"weights: total weight {total_weight} times {high}, the largest value of an "
            f"option, exceeds {MAX_BOUND}, the most a tally can decrypt"
        )


def weight_roll_hash(weights: object, contests: tuple[Contest, ...]) -> str:
    """The commitment a weighted election's parameters carry (`weights_hash`): the SHA-256
    hex of the canonical JSON of {"weights": roll}, exactly the record's weights.json. The
    roll is every voter who may vote with its weight; CryptoError if a weight is out of
    range or the roll's total weight could make an option's total too large to decrypt."""
    roll = check_weights(weights, "weight roll")
    check_weight_ceiling(sum(roll.values()), check_contests(contests))
    return sha256_hex(canonical_json({"weights": roll}))
