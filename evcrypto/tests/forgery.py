"""A cheating prover: builds ballots whose plaintexts break the rules, with the best proofs
it can make without the election secret. Every branch equation holds; only the Fiat-Shamir
challenges cannot be made to add up (unless the cheat is inside the allowed range)."""

from collections.abc import Sequence

from evcrypto.ballot import (
    Ballot,
    Selection,
    _commit_range,
    _finish_range,
    ballot_challenge,
)
from evcrypto.contest_ballot import ContestBallot, prove_contests
from evcrypto.elgamal import Ciphertext, ElectionPublicKey
from evcrypto.parameters import ElectionParameters


def forge_ballot(
    parameters: ElectionParameters,
    public_key: ElectionPublicKey,
    voter: str,
    values: Sequence[int],
) -> Ballot:
    """A ballot encrypting arbitrary integers (2, -1, ...) per candidate."""
    election_hash = parameters.election_hash
    min_selections, max_selections = parameters.min_selections, parameters.max_selections
    group, h = public_key.group, public_key.element
    randomness = [group.random_scalar() for _ in values]
    ciphertexts = [
        Ciphertext(group.mul_base(r), h * r + group.mul_base(m))
        for m, r in zip(values, randomness, strict=True)
    ]
    pending = [
        _commit_range(public_key, c, r, m, 0, 1)
        for c, r, m in zip(ciphertexts, randomness, values, strict=True)
    ]
    total = Ciphertext(
        group.sum(c.alpha for c in ciphertexts), group.sum(c.beta for c in ciphertexts)
    )
    pending.append(
        _commit_range(
            public_key,
            total,
            sum(randomness) % group.order,
            sum(values),
            min_selections,
            max_selections,
        )
    )
    challenge = ballot_challenge(
        public_key,
        election_hash,
        voter,
        (min_selections, max_selections),
        ciphertexts,
        [[(a, b) for a, b, _, _ in p.branches] for p in pending],
    )
    proofs = [_finish_range(group, p, challenge) for p in pending]
    selections = tuple(map(Selection, ciphertexts, proofs[:-1]))
    return Ballot(election_hash, voter, selections, proofs[-1])


def forge_contest_ballot(
    parameters: ElectionParameters,
    public_key: ElectionPublicKey,
    voter: str,
    rows: Sequence[Sequence[int]],
) -> ContestBallot:
    """A format-2 ballot encrypting arbitrary integers per option of each contest, with each
    contest's range proofs made as the honest prover would, over whatever the values are."""
    group = public_key.group
    values = [value for row in rows for value in row]
    randomness = [group.random_scalar() for _ in values]
    ciphertexts = [
        Ciphertext(group.mul_base(r), public_key.element * r + group.mul_base(m))
        for m, r in zip(values, randomness, strict=True)
    ]
    return prove_contests(parameters, public_key, voter, ciphertexts, values, randomness)
