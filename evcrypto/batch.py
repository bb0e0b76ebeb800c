"""Batch verification of many ballots by one random linear combination.

Every group equation of every ballot proof has the form  sum(k_i * P_i) == identity. Weight each
equation by an independent random 128-bit scalar and add them all: the result is the identity
for valid ballots, and for any invalid one with probability at most 2**-128 (small-exponent
test, Bellare-Garay-Rabin). The combined sum shares the bases g and h across all ballots and is
computed with the bucket multi-scalar multiplication of `Group.multi_mul`, so each ballot point
costs a few µs instead of a ~21 µs multiplication. The challenge sums are checked exactly, per
ballot. When the batch fails, plain per-ballot verification names the first bad ballot.
"""

import secrets
from collections.abc import Callable, Sequence

from evcrypto.ballot import Ballot, RangeProof, check_ballot_statement
from evcrypto.contest_ballot import (
    AnyBallot,
    ContestBallot,
    RangeStatement,
    ballot_statements,
    check_range_statements,
    single_question_statements,
)
from evcrypto.elgamal import Ciphertext, ElectionPublicKey, check_public_key
from evcrypto.errors import CryptoError
from evcrypto.group import Element
from evcrypto.parameters import ElectionParameters

# Below ~40 ballots the bucket method's fixed cost (8,192 buckets, 256 doublings) outweighs
# its gain; beyond a few thousand, memory grows with no further gain.
_SMALLEST_BATCH = 40
_LARGEST_BATCH = 2000

# Checks one ballot but for its group equations; returns the range statements left to check.
_Statements = Callable[[AnyBallot], list[RangeStatement]]


class _Combination:
    """Accumulates weighted verification equations as coefficients of points."""

    def __init__(self) -> None:
        self.g_coefficient = 0
        self.h_coefficient = 0
        self.terms: list[tuple[Element, int]] = []

    def add_ballot(
        self, ciphertexts: Sequence[Ciphertext], statements: Sequence[RangeStatement]
    ) -> None:
        """Add the equations of every range statement of one ballot.

        Branch v of a proof about (alpha, beta): z*g - c*alpha - a = 0 and
        z*h - c*beta + c*v*g - b = 0, weighted by fresh random r1 and r2. A statement about a
        sum of ciphertexts (a count or total proof) gives its alpha and beta coefficients to
        each ciphertext of the sum.
        """
        alpha_coefficients = [0] * len(ciphertexts)
        beta_coefficients = [0] * len(ciphertexts)
        for indices, proof, low, _ in statements:
            alpha_coefficient, beta_coefficient = self._add_branches(proof, low)
            for index in indices:
                alpha_coefficients[index] += alpha_coefficient
                beta_coefficients[index] += beta_coefficient
        for ciphertext, alpha_coefficient, beta_coefficient in zip(
            ciphertexts, alpha_coefficients, beta_coefficients, strict=True
        ):
            self.terms.append((ciphertext.alpha, alpha_coefficient))
            self.terms.append((ciphertext.beta, beta_coefficient))

    def _add_branches(self, proof: RangeProof, low: int) -> tuple[int, int]:
        """Add the branch equations; return the (alpha, beta) coefficients they need."""
        alpha_coefficient = beta_coefficient = 0
        for value, branch in enumerate(proof, start=low):
            r1, r2 = _weight(), _weight()
            c, z = branch.challenge, branch.response
            self.g_coefficient += r1 * z + r2 * c * value
            self.h_coefficient += r2 * z
            alpha_coefficient -= r1 * c
            beta_coefficient -= r2 * c
            self.terms.append((branch.a, -r1))
            self.terms.append((branch.b, -r2))
        return alpha_coefficient, beta_coefficient

    def holds(self, public_key: ElectionPublicKey) -> bool:
        group = public_key.group
        terms = [
            *self.terms,
            (group.generator(), self.g_coefficient),
            (public_key.element, self.h_coefficient),
        ]
        return group.multi_mul(terms).is_identity


def _weight() -> int:
    return secrets.randbits(128) | 1  # never zero


def verify_ballots(
    public_key: ElectionPublicKey,
    election_hash: str,
    ballots: Sequence[Ballot],
    candidate_count: int,
    min_selections: int = 1,
    max_selections: int = 1,
    first_index: int = 0,
) -> None:
    """Check many format-1 ballots, each for the voter pseudonym it names; CryptoError naming
    the first bad ballot (by position, counted from `first_index`) and its failed check. Same
    verdicts as `verify_ballot`, ~2.5x faster on secp256k1 for batches of hundreds.

    It knows the election only by its hash, so it cannot tell a format-2 election's: check an
    election's ballots with `verify_election_ballots`, which takes its parameters and refuses
    single-question ballots in a format-2 election."""
    public_key = check_public_key(public_key)
    if not isinstance(ballots, Sequence) or not all(isinstance(b, Ballot) for b in ballots):
        raise CryptoError("ballots: expected a sequence of Ballot")

    def statements(ballot: AnyBallot) -> list[RangeStatement]:
        assert isinstance(ballot, Ballot)
        check_ballot_statement(
            public_key, election_hash, ballot, candidate_count, min_selections, max_selections
        )
        return single_question_statements(ballot, min_selections)

    _verify_all(public_key, ballots, statements, first_index)


def verify_election_ballots(
    parameters: ElectionParameters,
    public_key: ElectionPublicKey,
    ballots: Sequence[AnyBallot],
    first_index: int = 0,
) -> None:
    """verify_ballots for an election of either format: format-2 ballots (contests) or
    format-1 ones, as `parameters` say. Same verdicts as `verify_ballot` ballot by ballot."""
    public_key = check_public_key(public_key)
    if not isinstance(parameters, ElectionParameters):
        raise CryptoError("parameters: expected ElectionParameters")
    if not isinstance(ballots, Sequence) or not all(
        isinstance(b, Ballot | ContestBallot) for b in ballots
    ):
        raise CryptoError("ballots: expected a sequence of ballots")

    def statements(ballot: AnyBallot) -> list[RangeStatement]:
        return ballot_statements(parameters, public_key, ballot)

    _verify_all(public_key, ballots, statements, first_index)


def _verify_all(
    public_key: ElectionPublicKey,
    ballots: Sequence[AnyBallot],
    statements: _Statements,
    first_index: int,
) -> None:
    if len(ballots) < _SMALLEST_BATCH:
        _find_bad_ballot(public_key, ballots, statements, first_index)
        return
    for start in range(0, len(ballots), _LARGEST_BATCH):
        chunk = ballots[start : start + _LARGEST_BATCH]
        _verify_batch(public_key, chunk, statements, first_index + start)


def _verify_batch(
    public_key: ElectionPublicKey,
    ballots: Sequence[AnyBallot],
    statements: _Statements,
    first_index: int,
) -> None:
    combination = _Combination()
    for index, ballot in enumerate(ballots, start=first_index):
        try:
            found = statements(ballot)
        except CryptoError as error:
            raise CryptoError(f"ballot {index}: {error}") from None
        combination.add_ballot(ballot.ciphertexts, found)
    if not combination.holds(public_key):
        _find_bad_ballot(public_key, ballots, statements, first_index)


def _find_bad_ballot(
    public_key: ElectionPublicKey,
    ballots: Sequence[AnyBallot],
    statements: _Statements,
    first_index: int,
) -> None:
    """Plain per-ballot verification, which is authoritative: raise for the first bad ballot."""
    for index, ballot in enumerate(ballots, start=first_index):
        try:
            check_range_statements(public_key, ballot.ciphertexts, statements(ballot))
        except CryptoError as error:
            raise CryptoError(f"ballot {index}: {error}") from None
