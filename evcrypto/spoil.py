"""Spoiled ballots: the Benaloh challenge ("cast as intended").

After encrypting, a voter may challenge the ballot instead of casting it: the client reveals
each selection's encryption randomness r_i and the choice m_i it claims to have encrypted.
Anyone can then recompute alpha_i = r_i*G and beta_i = r_i*h + m_i*G and compare them with the
ballot's ciphertexts, so a client that encrypted another choice than the voter marked is caught
whenever the voter checks. A spoiled ballot's randomness is public: it is never counted, and
never cast afterwards. The record format and the check are in docs/election-record.md.

A format-2 ballot (contests) reveals one value per option, in ballot order: beta - r*h must
then be v*G for the value v the choice claims, within its contest's rule.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from evcrypto.ballot import Ballot, _check_choices, encrypt_ballot_revealing
from evcrypto.contest_ballot import (
    AnyBallot,
    ContestBallot,
    ballot_from_dict,
    ballot_tracker,
    check_contest_choices,
    encrypt_contest_ballot_revealing,
    verify_ballot,
)
from evcrypto.contests import MAX_POINTS, contest_slices
from evcrypto.elgamal import ElectionPublicKey, check_public_key
from evcrypto.encoding import expect_hash, expect_int, expect_list, expect_object
from evcrypto.errors import CryptoError
from evcrypto.group import Element, Group, require_group
from evcrypto.parameters import ElectionParameters


@dataclass(frozen=True)
class SpoiledBallot:
    """A challenged ballot with what its client revealed: one choice (0/1; for a format-2
    ballot the option's value) and one randomness scalar per candidate, in ballot order."""

    ballot: AnyBallot
    choices: tuple[int, ...]
    randomness: tuple[int, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.ballot, Ballot | ContestBallot):
            raise CryptoError("spoiled ballot: expected a Ballot")
        count = len(self.ballot.selections)
        for values, what in ((self.choices, "choice"), (self.randomness, "randomness")):
            if not isinstance(values, tuple) or len(values) != count:
                raise CryptoError(f"spoiled ballot: {what} needs one entry per candidate ({count})")
        for choice in self.choices:
            if isinstance(self.ballot, ContestBallot):
                expect_int(choice, "spoiled ballot choice", 0, MAX_POINTS)
            elif isinstance(choice, bool) or choice not in (0, 1):
                raise CryptoError("spoiled ballot: every choice must be the integer 0 or 1")
        for r in self.randomness:
            self.ballot.group.check_scalar(r, "spoiled ballot randomness")

    @property
    def tracker(self) -> str:
        return ballot_tracker(self.ballot)

    def to_dict(self) -> dict[str, object]:
        group = self.ballot.group
        return {
            "tracker": self.tracker,
            "ballot": self.ballot.to_dict(),
            "choice": list(self.choices),
            "randomness": [group.scalar_hex(r) for r in self.randomness],
        }

    @classmethod
    def from_dict(cls, data: object, group: Group) -> "SpoiledBallot":
        """Parse a record entry; CryptoError if malformed or its tracker is not the ballot's."""
        group = require_group(group)
        fields = expect_object(data, {"tracker", "ballot", "choice", "randomness"}, "spoiled")
        tracker = expect_hash(fields["tracker"], "spoiled ballot tracker")
        ballot = ballot_from_dict(fields["ballot"], group)
        if ballot_tracker(ballot) != tracker:
            raise CryptoError(f"tracker {tracker} is not the hash of the ballot")
        count = len(ballot.selections)
        choices = expect_list(fields["choice"], "spoiled ballot choice", count)
        randomness = expect_list(fields["randomness"], "spoiled ballot randomness", count)
        high = 1 if isinstance(ballot, Ballot) else MAX_POINTS
        return cls(
            ballot,
            tuple(expect_int(c, "spoiled ballot choice", 0, high) for c in choices),
            tuple(group.scalar_from_hex(r, "spoiled ballot randomness") for r in randomness),
        )


def spoilable_ballot(
    parameters: ElectionParameters,
    public_key: ElectionPublicKey,
    voter_pseudonym: str,
    choices: Sequence[int] | Sequence[Sequence[int]],
) -> SpoiledBallot:
    """Encrypt `choices` as encrypt_ballot (format 2: encrypt_contest_ballot, one sequence of
    values per contest) does and keep the randomness, as a voting client does before the
    voter decides to cast or to challenge."""
    if isinstance(parameters, ElectionParameters) and parameters.contests:
        rows: Sequence[Sequence[int]] = choices  # type: ignore[assignment]
        contest_ballot, randomness = encrypt_contest_ballot_revealing(
            parameters, public_key, voter_pseudonym, rows
        )
        values = check_contest_choices(parameters, rows)
        return SpoiledBallot(contest_ballot, tuple(values), randomness)
    flat: Sequence[int] = choices  # type: ignore[assignment]
    ballot, randomness = encrypt_ballot_revealing(parameters, public_key, voter_pseudonym, flat)
    return SpoiledBallot(ballot, tuple(flat), randomness)


def decode_revealed(
    public_key: ElectionPublicKey,
    ballot: AnyBallot,
    randomness: Sequence[int],
    candidates: Sequence[str] = (),
    maxima: Sequence[int] | None = None,
) -> tuple[int, ...]:
    """The choice the ballot encrypts, read with its revealed randomness: for each selection,
    alpha must be r*G, and beta - r*h must be 0 (not chosen) or G (chosen), or for a value
    up to maxima[j] (format 2), v*G. CryptoError naming the selection (and candidate, if
    named) where the randomness does not fit."""
    public_key = check_public_key(public_key)
    group, h = public_key.group, public_key.element
    if not isinstance(ballot, Ballot | ContestBallot):
        raise CryptoError("decode: expected a Ballot")
    if ballot.group is not group:
        raise CryptoError("decode: the ballot is not in the key's group")
    if not isinstance(randomness, Sequence) or isinstance(randomness, str | bytes):
        raise CryptoError("randomness: expected a sequence of scalars")
    if not isinstance(candidates, Sequence) or isinstance(candidates, str | bytes):
        raise CryptoError("candidates: expected a sequence of names")
    if len(randomness) != len(ballot.selections):
        raise CryptoError(
            f"randomness: {len(randomness)} values for {len(ballot.selections)} selections"
        )
    highs = [1] * len(ballot.selections) if maxima is None else list(maxima)
    if len(highs) != len(ballot.selections):
        raise CryptoError(f"maxima: {len(highs)} values for {len(ballot.selections)} selections")
    decoded = []
    for index, (selection, r, high) in enumerate(
        zip(ballot.selections, randomness, highs, strict=True)
    ):
        where = _selection_name(index, candidates)
        r = group.check_scalar(r, f"randomness of {where}")
        ciphertext = selection.ciphertext
        if ciphertext.alpha != group.mul_base(r):
            raise CryptoError(f"{where}: the revealed randomness does not re-create alpha")
        decoded.append(_small_value(ciphertext.beta - h * r, high, where))
    return tuple(decoded)


def _small_value(message: Element, high: int, where: str) -> int:
    """v in 0..high with message == v*G."""
    group, point = message.group, message.group.identity()
    for value in range(high + 1):
        if message == point:
            return value
        point = point + group.generator()
    if high == 1:
        raise CryptoError(f"{where}: beta encrypts neither 0 nor 1 with this randomness")
    raise CryptoError(f"{where}: beta encrypts no value in 0..{high} with this randomness")


def verify_spoiled_ballot(
    parameters: ElectionParameters,
    public_key: ElectionPublicKey,
    spoiled: SpoiledBallot,
    voter_pseudonym: str | None = None,
) -> None:
    """Check a spoiled ballot completely: a valid ballot of this election (for this voter's
    pseudonym when given, else for the one it names), a claimed choice within the election's
    selection limits, and randomness that re-creates every ciphertext for exactly that choice.
    CryptoError naming the failed check and the selection."""
    if not isinstance(spoiled, SpoiledBallot):
        raise CryptoError("spoiled ballot: expected a SpoiledBallot")
    if not isinstance(parameters, ElectionParameters):
        raise CryptoError("parameters: expected ElectionParameters")
    if voter_pseudonym is not None and not isinstance(voter_pseudonym, str):
        raise CryptoError("voter pseudonym: expected a string or None")
    ballot = spoiled.ballot
    verify_ballot(parameters, public_key, voter_pseudonym or ballot.voter, ballot)
    if parameters.contests:
        contests = parameters.contests
        rows = [spoiled.choices[where] for where in contest_slices(contests)]
        check_contest_choices(parameters, rows)
    else:
        _check_choices(list(spoiled.choices), parameters)
    decoded = decode_revealed(
        public_key, ballot, spoiled.randomness, parameters.candidates, parameters.value_maxima
    )
    for index, (claimed, found) in enumerate(zip(spoiled.choices, decoded, strict=True)):
        if claimed != found:
            where = _selection_name(index, parameters.candidates)
            raise CryptoError(
                f"{where}: the choice says {claimed}, the ciphertext encrypts {found}"
            )


def _selection_name(index: int, candidates: Sequence[str]) -> str:
    if index < len(candidates):
        return f"selection {index} ({candidates[index]})"
    return f"selection {index}"
