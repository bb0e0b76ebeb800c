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
from collections.abc import Sequence

from evcrypto.ballot import (
    Ballot,
    RangeProof,
    check_ballot_statement,
    verify_ballot,
)
from evcrypto.elgamal import ElectionPublicKey, check_public_key
from evcrypto.errors import CryptoError
from evcrypto.group import Element

# Below ~40 ballots the bucket method's fixed cost (8,192 buckets, 256 doublings) outweighs
# its gain; beyond a few thousand, memory grows with no further gain.
_SMALLEST_BATCH = 40
_LARGEST_BATCH = 2000


class _Combination:
    """Accumulates weighted verification equations as coefficients of points."""

    def __init__(self) -> None:
        self.g_coefficient = 0
        self.h_coefficient = 0
        self.terms: list[tuple[Element, int]] = []

    def add_ballot(self, ballot: Ballot, min_selections: int) -> None:
        """Add the equations of every range proof of `ballot`.

        Branch v of a proof about (alpha, beta): z*g - c*alpha - a = 0 and
        z*h - c*beta + c*v*g - b = 0, weighted by fresh random r1 and r2. The count proof is
        about the sum of all ciphertexts, so its alpha and beta coefficients go to each one.
        """
        own = [self._add_branches(selection.proof, 0) for selection in ballot.selections]
        count_alpha, count_beta = self._add_branches(ballot.count_proof, min_selections)
        for (alpha_coefficient, beta_coefficient), ciphertext in zip(
            own, ballot.ciphertexts, strict=True
        ):
            self.terms.append((ciphertext.alpha, alpha_coefficient + count_alpha))
            self.terms.append((ciphertext.beta, beta_coefficient + count_beta))

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
) -> None:
    """Check many ballots, each for the voter pseudonym it names; CryptoError naming the first
    bad ballot (by position) and its failed check. Same verdicts as `verify_ballot`, ~2.5x
    faster on secp256k1 for batches of hundreds."""
    public_key = check_public_key(public_key)
    if not isinstance(ballots, Sequence) or not all(isinstance(b, Ballot) for b in ballots):
        raise CryptoError("ballots: expected a sequence of Ballot")
    shape = (candidate_count, min_selections, max_selections)
    if len(ballots) < _SMALLEST_BATCH:
        _find_bad_ballot(public_key, election_hash, ballots, shape, first_index=0)
        return
    for start in range(0, len(ballots), _LARGEST_BATCH):
        chunk = ballots[start : start + _LARGEST_BATCH]
        _verify_batch(public_key, election_hash, chunk, shape, first_index=start)


def _verify_batch(
    public_key: ElectionPublicKey,
    election_hash: str,
    ballots: Sequence[Ballot],
    shape: tuple[int, int, int],
    first_index: int,
) -> None:
    combination = _Combination()
    for index, ballot in enumerate(ballots, start=first_index):
        try:
            check_ballot_statement(public_key, election_hash, ballot, *shape)
        except CryptoError as error:
            raise CryptoError(f"ballot {index}: {error}") from None
        combination.add_ballot(ballot, shape[1])
    if not combination.holds(public_key):
        _find_bad_ballot(public_key, election_hash, ballots, shape, first_index)


def _find_bad_ballot(
    public_key: ElectionPublicKey,
    election_hash: str,
    ballots: Sequence[Ballot],
    shape: tuple[int, int, int],
    first_index: int,
) -> None:
    """Plain per-ballot verification, which is authoritative: raise for the first bad ballot."""
    for index, ballot in enumerate(ballots, start=first_index):
        try:
            verify_ballot(public_key, election_hash, ballot.voter, ballot, *shape)
        except CryptoError as error:
            raise CryptoError(f"ballot {index}: {error}") from None
