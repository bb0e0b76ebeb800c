"""Encrypted ballots: one 0/1 ciphertext per candidate, each with a disjunctive Chaum-Pedersen
proof, plus a proof that the number of selections lies within min..max.

A range proof for "ciphertext (alpha, beta) encrypts one of low..high" has one branch per value
v, each a Chaum-Pedersen proof that (g, alpha, h, beta - v*g) share a logarithm. The prover
answers the branch of the true value and simulates the others; the verifier accepts if every
branch verifies and the branch challenges add up to the ballot's one Fiat-Shamir challenge.
That challenge hashes the election hash, the public key, the voter's pseudonym, min..max, every
ciphertext and every commitment, so a ballot copied to another voter or election fails.

These are the ballots of record format 1 (one question). Ballots of format 2, with contests
and counting rules, reuse these range proofs in evcrypto.contest_ballot.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from evcrypto.elgamal import Ciphertext, ElectionPublicKey, check_public_key, encrypt_with
from evcrypto.encoding import (
    canonical_json,
    expect_hash,
    expect_list,
    expect_object,
    expect_str,
    parse_json,
    sha256_hex,
)
from evcrypto.errors import CryptoError
from evcrypto.group import Element, Group, require_group
from evcrypto.parameters import ElectionParameters, check_selection_limits
from evcrypto.proofs import ChaumPedersenProof, fiat_shamir_challenge

BALLOT_DOMAIN = "evoting/ballot/v1"

RangeProof = tuple[ChaumPedersenProof, ...]  # branch i proves "encrypts low + i"


@dataclass(frozen=True)
class Selection:
    """One candidate's ciphertext (of 0 or 1) and its two-branch range proof."""

    ciphertext: Ciphertext
    proof: RangeProof

    def __post_init__(self) -> None:
        if not isinstance(self.ciphertext, Ciphertext):
            raise CryptoError("selection: ciphertext must be a Ciphertext")
        _check_range_proof_type(self.proof, "selection proof")

    def to_dict(self) -> dict[str, object]:
        return {**self.ciphertext.to_dict(), "proof": [p.to_dict() for p in self.proof]}

    @classmethod
    def from_dict(cls, group: Group, data: object, what: str) -> "Selection":
        group = require_group(group)
        fields = expect_object(data, {"alpha", "beta", "proof"}, what)
        ciphertext = Ciphertext.from_dict(group, {"alpha": fields["alpha"], "beta": fields["beta"]})
        return cls(ciphertext, _range_proof_from_list(group, fields["proof"], f"{what} proof"))


@dataclass(frozen=True)
class Ballot:
    """An encrypted ballot as cast: it names its election and voter pseudonym."""

    election_hash: str
    voter: str
    selections: tuple[Selection, ...]
    count_proof: RangeProof  # branch i proves "min_selections + i candidates selected"

    def __post_init__(self) -> None:
        expect_hash(self.election_hash, "ballot election hash")
        expect_str(self.voter, "ballot voter pseudonym")
        if not isinstance(self.selections, tuple) or not self.selections:
            raise CryptoError("ballot: selections must be a non-empty tuple")
        for selection in self.selections:
            if not isinstance(selection, Selection):
                raise CryptoError("ballot: every selection must be a Selection")
        _check_range_proof_type(self.count_proof, "ballot count proof")
        check_one_group(self.group, self.selections, self.count_proof, "ballot count proof")

    @property
    def group(self) -> Group:
        return self.selections[0].ciphertext.group

    @property
    def ciphertexts(self) -> tuple[Ciphertext, ...]:
        return tuple(selection.ciphertext for selection in self.selections)

    def to_dict(self) -> dict[str, object]:
        return {
            "election_hash": self.election_hash,
            "voter": self.voter,
            "selections": [selection.to_dict() for selection in self.selections],
            "count_proof": [branch.to_dict() for branch in self.count_proof],
        }

    @classmethod
    def from_dict(cls, data: object, group: Group) -> "Ballot":
        group = require_group(group)
        fields = expect_object(
            data, {"election_hash", "voter", "selections", "count_proof"}, "ballot"
        )
        selections = expect_list(fields["selections"], "ballot selections")
        return cls(
            election_hash=expect_hash(fields["election_hash"], "ballot election hash"),
            voter=expect_str(fields["voter"], "ballot voter pseudonym"),
            selections=tuple(
                Selection.from_dict(group, item, f"ballot selection {index}")
                for index, item in enumerate(selections)
            ),
            count_proof=_range_proof_from_list(group, fields["count_proof"], "ballot count proof"),
        )


def check_one_group(
    group: Group,
    selections: tuple[Selection, ...],
    proof: tuple[ChaumPedersenProof, ...],
    what: str,
) -> None:
    """Every selection's and the proof's elements are in `group` (one group per ballot)."""
    for selection in selections:
        for part in (selection.ciphertext.alpha, *(p.a for p in selection.proof)):
            group.check_element(part, "ballot selection")
    for branch in proof:
        group.check_element(branch.a, what)


def _check_range_proof_type(proof: object, what: str) -> None:
    if not isinstance(proof, tuple) or not proof:
        raise CryptoError(f"{what}: must be a non-empty tuple of ChaumPedersenProof")
    for branch in proof:
        if not isinstance(branch, ChaumPedersenProof):
            raise CryptoError(f"{what}: every branch must be a ChaumPedersenProof")


def _range_proof_from_list(group: Group, data: object, what: str) -> RangeProof:
    branches = expect_list(data, what)
    return tuple(
        ChaumPedersenProof.from_dict(group, item, f"{what} branch {index}")
        for index, item in enumerate(branches)
    )


def ballot_to_json(ballot: Ballot) -> bytes:
    """The canonical JSON bytes of a ballot (what is cast, stored on chain and hashed)."""
    if not isinstance(ballot, Ballot):
        raise CryptoError("ballot: expected a Ballot")
    return canonical_json(ballot.to_dict())


def ballot_from_json(data: bytes | str, group: Group) -> Ballot:
    """Parse a ballot; CryptoError if malformed (proofs are checked by verify_ballot)."""
    return Ballot.from_dict(parse_json(data), group)


def ballot_tracker(ballot: Ballot) -> str:
    """The voter's receipt: SHA-256 hex of the canonical ballot."""
    return sha256_hex(ballot_to_json(ballot))


# ---------------------------------------------------------------------------------------------
# Proving


@dataclass(frozen=True)
class _PendingRange:
    """A range proof between commitment and challenge: the real branch still needs c and z."""

    real_index: int
    nonce: int
    randomness: int
    branches: tuple[tuple[Element, Element, int, int], ...]  # (a, b, challenge, response)


def encrypt_ballot(
    parameters: ElectionParameters,
    public_key: ElectionPublicKey,
    voter_pseudonym: str,
    choices: Sequence[int],
) -> Ballot:
    """Encrypt `choices` (one 0/1 per candidate of `parameters`) for this voter and prove the
    ballot well formed: bound to the election hash, within its selection limits."""
    return encrypt_ballot_revealing(parameters, public_key, voter_pseudonym, choices)[0]


def encrypt_ballot_revealing(
    parameters: ElectionParameters,
    public_key: ElectionPublicKey,
    voter_pseudonym: str,
    choices: Sequence[int],
) -> tuple[Ballot, tuple[int, ...]]:
    """encrypt_ballot, also returning each selection's encryption randomness: what a voter
    reveals to challenge (spoil) the ballot instead of casting it (evcrypto.spoil)."""
    parameters = _check_parameters(parameters)
    public_key = check_public_key(public_key)
    expect_str(voter_pseudonym, "voter pseudonym")
    choices = _check_choices(choices, parameters)
    election_hash = parameters.election_hash
    min_selections, max_selections = parameters.min_selections, parameters.max_selections
    group = public_key.group
    randomness = [group.random_scalar() for _ in choices]
    ciphertexts = [encrypt_with(public_key, m, r) for m, r in zip(choices, randomness, strict=True)]
    pending = [
        _commit_range(public_key, ciphertext, r, m, 0, 1)
        for ciphertext, r, m in zip(ciphertexts, randomness, choices, strict=True)
    ]
    pending.append(
        _commit_range(
            public_key,
            _sum_ciphertexts(group, ciphertexts),
            sum(randomness) % group.order,
            sum(choices),
            min_selections,
            max_selections,
        )
    )
    challenge = ballot_challenge(
        public_key,
        election_hash,
        voter_pseudonym,
        (min_selections, max_selections),
        ciphertexts,
        [[(a, b) for a, b, _, _ in proof.branches] for proof in pending],
    )
    proofs = [_finish_range(group, proof, challenge) for proof in pending]
    selections = tuple(map(Selection, ciphertexts, proofs[:-1]))
    return Ballot(election_hash, voter_pseudonym, selections, proofs[-1]), tuple(randomness)


def _check_parameters(parameters: object) -> ElectionParameters:
    """`parameters` of a format-1 election; a format-2 election's ballots are contest ballots
    (evcrypto.contest_ballot), so a single-question ballot is never made or accepted for it."""
    if not isinstance(parameters, ElectionParameters):
        raise CryptoError("parameters: expected ElectionParameters")
    if parameters.contests:
        raise CryptoError(
            "parameters: a format-2 election (contests) takes contest ballots, "
            "not single-question ones (encrypt_contest_ballot)"
        )
    return parameters


def _check_choices(choices: object, parameters: ElectionParameters) -> list[int]:
    if not isinstance(choices, Sequence) or isinstance(choices, str | bytes):
        raise CryptoError("choices: expected a sequence of 0/1 integers")
    if len(choices) != parameters.candidate_count:
        raise CryptoError(f"choices: {len(choices)} for {parameters.candidate_count} candidates")
    for choice in choices:
        if not isinstance(choice, int) or isinstance(choice, bool) or choice not in (0, 1):
            raise CryptoError("choices: every choice must be the integer 0 or 1")
    low, high = parameters.min_selections, parameters.max_selections
    if not low <= sum(choices) <= high:
        raise CryptoError(f"choices: {sum(choices)} selections outside {low}..{high}")
    return list(choices)


def _sum_ciphertexts(group: Group, ciphertexts: Sequence[Ciphertext]) -> Ciphertext:
    return Ciphertext(
        group.sum(c.alpha for c in ciphertexts), group.sum(c.beta for c in ciphertexts)
    )


def _commit_range(
    public_key: ElectionPublicKey, ciphertext: Ciphertext, r: int, value: int, low: int, high: int
) -> _PendingRange:
    group, h = public_key.group, public_key.element
    nonce = group.random_scalar()
    branches = []
    for v in range(low, high + 1):
        if v == value:
            branches.append((group.mul_base(nonce), h * nonce, 0, 0))
            continue
        c, z = group.random_scalar(), group.random_scalar()
        # A simulated branch needs a = z*g - c*alpha and b = z*h - c*(beta - v*g). Knowing r,
        # with t = z - c*r these are t*g and t*h - c*(value - v)*g: two multiplications fewer.
        t = (z - c * r) % group.order
        b = h * t + group.mul_base(-c * (value - v))
        branches.append((group.mul_base(t), b, c, z))
    return _PendingRange(value - low, nonce, r, tuple(branches))


def _finish_range(group: Group, pending: _PendingRange, challenge: int) -> RangeProof:
    q = group.order
    simulated = sum(c for i, (_, _, c, _) in enumerate(pending.branches) if i != pending.real_index)
    real_challenge = (challenge - simulated) % q
    real_response = (pending.nonce + real_challenge * pending.randomness) % q
    proof = []
    for index, (a, b, c, z) in enumerate(pending.branches):
        if index == pending.real_index:
            c, z = real_challenge, real_response
        proof.append(ChaumPedersenProof(a, b, c, z))
    return tuple(proof)


def ballot_challenge(
    public_key: ElectionPublicKey,
    election_hash: str,
    voter_pseudonym: str,
    limits: tuple[int, int],
    ciphertexts: Sequence[Ciphertext],
    commitments: Sequence[Sequence[tuple[Element, Element]]],
) -> int:
    """The ballot's one Fiat-Shamir challenge over the whole statement and all commitments."""
    statement = {
        "election_hash": election_hash,
        "public_key": public_key.element.hex(),
        "voter": voter_pseudonym,
        "min_selections": limits[0],
        "max_selections": limits[1],
        "ciphertexts": [[c.alpha.hex(), c.beta.hex()] for c in ciphertexts],
        "commitments": [[[a.hex(), b.hex()] for a, b in proof] for proof in commitments],
    }
    return fiat_shamir_challenge(public_key.group, BALLOT_DOMAIN, statement)


# ---------------------------------------------------------------------------------------------
# Verifying


def verify_ballot(
    parameters: ElectionParameters,
    public_key: ElectionPublicKey,
    voter_pseudonym: str,
    ballot: Ballot,
) -> None:
    """Check a ballot completely, as this voter's ballot in the election `parameters` describe;
    CryptoError naming the failed check if it is not valid."""
    parameters = _check_parameters(parameters)
    check_ballot_statement(
        public_key,
        parameters.election_hash,
        ballot,
        parameters.candidate_count,
        parameters.min_selections,
        parameters.max_selections,
    )
    if ballot.voter != voter_pseudonym:
        raise CryptoError("ballot: cast for another voter pseudonym")
    check_ballot_equations(public_key, ballot, parameters.min_selections)


def check_ballot_statement(
    public_key: ElectionPublicKey,
    election_hash: str,
    ballot: Ballot,
    candidate_count: int,
    min_selections: int,
    max_selections: int,
) -> int:
    """Everything but the group equations: types, shape, election, challenge sums.

    Returns the Fiat-Shamir challenge. Shared by single and batch verification.
    """
    public_key = check_public_key(public_key)
    expect_hash(election_hash, "election hash")
    if not isinstance(ballot, Ballot):
        raise CryptoError("ballot: expected a Ballot")
    check_selection_limits(min_selections, max_selections, candidate_count)
    _check_ballot_shape(
        public_key, election_hash, ballot, candidate_count, min_selections, max_selections
    )
    challenge = ballot_challenge(
        public_key,
        election_hash,
        ballot.voter,
        (min_selections, max_selections),
        ballot.ciphertexts,
        [[(p.a, p.b) for p in proof] for proof in _range_proofs(ballot)],
    )
    q = public_key.group.order
    for index, proof in enumerate(_range_proofs(ballot)):
        if sum(branch.challenge for branch in proof) % q != challenge:
            where = f"selection {index}" if index < len(ballot.selections) else "selection count"
            raise CryptoError(f"ballot proofs: {where} challenges do not match the statement")
    return challenge


def check_ballot_equations(
    public_key: ElectionPublicKey, ballot: Ballot, min_selections: int
) -> None:
    """The group equations of every branch of every range proof, for a ballot whose statement
    check_ballot_statement has passed. Shared by single and batch verification."""
    group, h = public_key.group, public_key.element
    for index, selection in enumerate(ballot.selections):
        if not _branches_hold(group, h, selection.ciphertext, selection.proof, 0):
            raise CryptoError(f"ballot proofs: selection {index} proof does not verify")
    total = _sum_ciphertexts(group, ballot.ciphertexts)
    if not _branches_hold(group, h, total, ballot.count_proof, min_selections):
        raise CryptoError("ballot proofs: selection count proof does not verify")


def _check_ballot_shape(
    public_key: ElectionPublicKey,
    election_hash: str,
    ballot: Ballot,
    candidate_count: int,
    min_selections: int,
    max_selections: int,
) -> None:
    if ballot.group is not public_key.group:
        raise CryptoError("ballot: elements are not in the election's group")
    if ballot.election_hash != election_hash:
        raise CryptoError("ballot: cast for another election")
    if len(ballot.selections) != candidate_count:
        raise CryptoError(
            f"ballot: {len(ballot.selections)} selections for {candidate_count} candidates"
        )
    for index, selection in enumerate(ballot.selections):
        if len(selection.proof) != 2:
            raise CryptoError(f"ballot: selection {index} proof needs 2 branches (0 and 1)")
    if len(ballot.count_proof) != max_selections - min_selections + 1:
        raise CryptoError("ballot: count proof does not cover min..max selections")


def _range_proofs(ballot: Ballot) -> list[RangeProof]:
    return [selection.proof for selection in ballot.selections] + [ballot.count_proof]


def _branches_hold(
    group: Group, h: Element, ciphertext: Ciphertext, proof: RangeProof, low: int
) -> bool:
    for value, branch in enumerate(proof, start=low):
        target = ciphertext.beta
        if value:  # the count proof's usual branch v = 1 needs no multiplication
            target = target - (group.generator() if value == 1 else group.mul_base(value))
        if not branch.holds_for(ciphertext.alpha, h, target):
            return False
    return True
