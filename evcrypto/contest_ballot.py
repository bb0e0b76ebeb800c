"""Ballots of format 2: one group of selections per contest, each proven under its rule.

Per option a ciphertext of its value and a range proof 0..option_max (1, S or c); where the
rule bounds the total (choose: min..max, cumulative: 0..K), a range proof over the sum of the
contest's ciphertexts. Each contest has its own Fiat-Shamir challenge, which hashes the
election hash, the public key, the voter's pseudonym, the contest's index, id and rule, every
ciphertext of the whole ballot and the contest's commitments: a contest cannot be moved to
another ballot, voter, election or rule.

The functions at the end take a ballot of either format (`AnyBallot`) and dispatch on the
election's format; format-1 ballots go through evcrypto.ballot unchanged.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from evcrypto.ballot import (
    Ballot,
    RangeProof,
    Selection,
    _branches_hold,
    _check_range_proof_type,
    _commit_range,
    _finish_range,
    _PendingRange,
    _range_proof_from_list,
    _sum_ciphertexts,
    check_ballot_statement,
    check_one_group,
)
from evcrypto.ballot import verify_ballot as verify_single_question_ballot
from evcrypto.contests import Contest, contest_slices
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
from evcrypto.parameters import ElectionParameters
from evcrypto.proofs import fiat_shamir_challenge

CONTEST_BALLOT_DOMAIN = "evoting/contest-ballot/v2"

# One range statement: the ciphertexts (by index in the ballot) whose sum it is about, its
# proof, the lowest value (branch i proves "low + i"), and what to call it in an error.
RangeStatement = tuple[tuple[int, ...], RangeProof, int, str]


@dataclass(frozen=True)
class ContestSelections:
    """One contest of a ballot: a selection per option, and the proof on their total (an
    empty tuple when the rule bounds no total)."""

    contest_id: str
    selections: tuple[Selection, ...]
    total_proof: RangeProof | tuple[()]

    def __post_init__(self) -> None:
        expect_str(self.contest_id, "ballot contest id")
        if not isinstance(self.selections, tuple) or not self.selections:
            raise CryptoError(f"ballot contest {self.contest_id}: selections must be a tuple")
        for selection in self.selections:
            if not isinstance(selection, Selection):
                raise CryptoError("ballot contest: every selection must be a Selection")
        if self.total_proof != ():
            _check_range_proof_type(self.total_proof, "ballot contest total proof")

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.contest_id,
            "selections": [selection.to_dict() for selection in self.selections],
            "total_proof": [branch.to_dict() for branch in self.total_proof],
        }

    @classmethod
    def from_dict(cls, group: Group, data: object, what: str) -> "ContestSelections":
        fields = expect_object(data, {"id", "selections", "total_proof"}, what)
        selections = expect_list(fields["selections"], f"{what} selections")
        total = expect_list(fields["total_proof"], f"{what} total proof")
        return cls(
            contest_id=expect_str(fields["id"], f"{what} id"),
            selections=tuple(
                Selection.from_dict(group, item, f"{what} selection {index}")
                for index, item in enumerate(selections)
            ),
            total_proof=_range_proof_from_list(group, total, f"{what} total proof")
            if total
            else (),
        )


@dataclass(frozen=True)
class ContestBallot:
    """An encrypted format-2 ballot as cast: it names its election and voter pseudonym."""

    election_hash: str
    voter: str
    contests: tuple[ContestSelections, ...]

    def __post_init__(self) -> None:
        expect_hash(self.election_hash, "ballot election hash")
        expect_str(self.voter, "ballot voter pseudonym")
        if not isinstance(self.contests, tuple) or not self.contests:
            raise CryptoError("ballot: contests must be a non-empty tuple")
        for contest in self.contests:
            if not isinstance(contest, ContestSelections):
                raise CryptoError("ballot: every contest must be a ContestSelections")
        for contest in self.contests:
            check_one_group(self.group, contest.selections, contest.total_proof, "total proof")

    @property
    def group(self) -> Group:
        return self.contests[0].selections[0].ciphertext.group

    @property
    def selections(self) -> tuple[Selection, ...]:
        """Every option's selection, contest after contest."""
        return tuple(s for contest in self.contests for s in contest.selections)

    @property
    def ciphertexts(self) -> tuple[Ciphertext, ...]:
        return tuple(selection.ciphertext for selection in self.selections)

    def to_dict(self) -> dict[str, object]:
        return {
            "election_hash": self.election_hash,
            "voter": self.voter,
            "contests": [contest.to_dict() for contest in self.contests],
        }

    @classmethod
    def from_dict(cls, data: object, group: Group) -> "ContestBallot":
        group = require_group(group)
        fields = expect_object(data, {"election_hash", "voter", "contests"}, "ballot")
        contests = expect_list(fields["contests"], "ballot contests")
        return cls(
            election_hash=expect_hash(fields["election_hash"], "ballot election hash"),
            voter=expect_str(fields["voter"], "ballot voter pseudonym"),
            contests=tuple(
                ContestSelections.from_dict(group, item, f"ballot contest {index}")
                for index, item in enumerate(contests)
            ),
        )


AnyBallot = Ballot | ContestBallot


# ---------------------------------------------------------------------------------------------
# Proving


def encrypt_contest_ballot(
    parameters: ElectionParameters,
    public_key: ElectionPublicKey,
    voter_pseudonym: str,
    choices: Sequence[Sequence[int]],
) -> ContestBallot:
    """Encrypt `choices` (per contest, one value per option) of a format-2 election for this
    voter and prove every contest within its rule."""
    return encrypt_contest_ballot_revealing(parameters, public_key, voter_pseudonym, choices)[0]


def encrypt_contest_ballot_revealing(
    parameters: ElectionParameters,
    public_key: ElectionPublicKey,
    voter_pseudonym: str,
    choices: Sequence[Sequence[int]],
) -> tuple[ContestBallot, tuple[int, ...]]:
    """encrypt_contest_ballot, also returning every option's encryption randomness (in
    ballot order), for a spoiled ballot (evcrypto.spoil)."""
    public_key = check_public_key(public_key)
    expect_str(voter_pseudonym, "voter pseudonym")
    values = check_contest_choices(parameters, choices)
    group = public_key.group
    randomness = [group.random_scalar() for _ in values]
    ciphertexts = [encrypt_with(public_key, m, r) for m, r in zip(values, randomness, strict=True)]
    ballot = prove_contests(
        parameters, public_key, voter_pseudonym, ciphertexts, values, randomness
    )
    return ballot, tuple(randomness)


def prove_contests(
    parameters: ElectionParameters,
    public_key: ElectionPublicKey,
    voter_pseudonym: str,
    ciphertexts: Sequence[Ciphertext],
    values: Sequence[int],
    randomness: Sequence[int],
) -> ContestBallot:
    """Prove every contest of already checked ciphertexts of `values` (the tests' cheating
    prover calls this with values outside the rules)."""
    contests, group = parameters.contests, public_key.group
    parts = []
    for index, (contest, where) in enumerate(zip(contests, contest_slices(contests), strict=True)):
        rule = contest.rule
        own = list(zip(ciphertexts[where], randomness[where], values[where], strict=True))
        pending = [_commit_range(public_key, c, r, m, 0, rule.option_max) for c, r, m in own]
        limits = rule.total_range
        if limits is not None:
            total = _sum_ciphertexts(group, ciphertexts[where])
            r_total = sum(randomness[where]) % group.order
            pending.append(_commit_range(public_key, total, r_total, sum(values[where]), *limits))
        challenge = contest_challenge(
            public_key,
            parameters.election_hash,
            voter_pseudonym,
            index,
            contest,
            ciphertexts,
            [[(a, b) for a, b, _, _ in proof.branches] for proof in pending],
        )
        parts.append(_finish_contest(group, contest, ciphertexts[where], pending, challenge))
    return ContestBallot(parameters.election_hash, voter_pseudonym, tuple(parts))


def _finish_contest(
    group: Group,
    contest: Contest,
    ciphertexts: Sequence[Ciphertext],
    pending: Sequence[_PendingRange],
    challenge: int,
) -> ContestSelections:
    proofs = [_finish_range(group, proof, challenge) for proof in pending]
    count = len(ciphertexts)
    selections = tuple(map(Selection, ciphertexts, proofs[:count]))
    total: RangeProof | tuple[()] = proofs[count] if len(proofs) > count else ()
    return ContestSelections(contest.contest_id, selections, total)


def check_contest_choices(
    parameters: ElectionParameters, choices: Sequence[Sequence[int]]
) -> list[int]:
    """The flat list of values if `choices` (one sequence per contest) obeys every rule."""
    contests = _contests_of(parameters)
    if not isinstance(choices, Sequence) or isinstance(choices, str | bytes):
        raise CryptoError("choices: expected one sequence of values per contest")
    if len(choices) != len(contests):
        raise CryptoError(f"choices: {len(choices)} for {len(contests)} contests")
    values: list[int] = []
    for contest, row in zip(contests, choices, strict=True):
        values.extend(contest.check_values(row))
    return values


def contest_challenge(
    public_key: ElectionPublicKey,
    election_hash: str,
    voter_pseudonym: str,
    index: int,
    contest: Contest,
    ciphertexts: Sequence[Ciphertext],
    commitments: Sequence[Sequence[tuple[Element, Element]]],
) -> int:
    """Contest `index`'s Fiat-Shamir challenge: the whole ballot's ciphertexts, this contest's
    id, rule and commitments."""
    statement = {
        "election_hash": election_hash,
        "public_key": public_key.element.hex(),
        "voter": voter_pseudonym,
        "contest_index": index,
        "contest_id": contest.contest_id,
        "rule": contest.rule.to_dict(),
        "ciphertexts": [[c.alpha.hex(), c.beta.hex()] for c in ciphertexts],
        "commitments": [[[a.hex(), b.hex()] for a, b in proof] for proof in commitments],
    }
    return fiat_shamir_challenge(public_key.group, CONTEST_BALLOT_DOMAIN, statement)


def _contests_of(parameters: object) -> tuple[Contest, ...]:
    if not isinstance(parameters, ElectionParameters):
        raise CryptoError("parameters: expected ElectionParameters")
    if not parameters.contests:
        raise CryptoError("parameters: a format-1 election has no contests (use encrypt_ballot)")
    return parameters.contests


# ---------------------------------------------------------------------------------------------
# Verifying


def check_contest_ballot_statement(
    parameters: ElectionParameters, public_key: ElectionPublicKey, ballot: ContestBallot
) -> list[RangeStatement]:
    """Everything but the group equations: shape, election, each contest's challenge sums.
    Returns the range statements whose equations remain to be checked (single or batch)."""
    contests = _contests_of(parameters)
    public_key = check_public_key(public_key)
    if not isinstance(ballot, ContestBallot):
        raise CryptoError("ballot: expected a ContestBallot (a format-2 election)")
    if ballot.group is not public_key.group:
        raise CryptoError("ballot: elements are not in the election's group")
    if ballot.election_hash != parameters.election_hash:
        raise CryptoError("ballot: cast for another election")
    if len(ballot.contests) != len(contests):
        raise CryptoError(f"ballot: {len(ballot.contests)} contests for {len(contests)}")
    ciphertexts = ballot.ciphertexts
    q = public_key.group.order
    statements: list[RangeStatement] = []
    start = 0
    for index, (contest, part) in enumerate(zip(contests, ballot.contests, strict=True)):
        where = f"contest {contest.contest_id}"
        proofs = _check_contest_shape(contest, part, where)
        challenge = contest_challenge(
            public_key,
            parameters.election_hash,
            ballot.voter,
            index,
            contest,
            ciphertexts,
            [[(p.a, p.b) for p in proof] for proof in proofs],
        )
        for number, proof in enumerate(proofs):
            if sum(branch.challenge for branch in proof) % q != challenge:
                what = f"option {number}" if number < len(part.selections) else "total"
                raise CryptoError(f"ballot proofs: {where} {what} challenges do not match")
        indices = tuple(range(start, start + len(part.selections)))
        statements.extend(
            ((i,), s.proof, 0, f"{where} option {number}")
            for number, (i, s) in enumerate(zip(indices, part.selections, strict=True))
        )
        limits = contest.rule.total_range
        if limits is not None:
            statements.append((indices, proofs[-1], limits[0], f"{where} total"))
        start += len(part.selections)
    return statements


def _check_contest_shape(contest: Contest, part: ContestSelections, where: str) -> list[RangeProof]:
    if part.contest_id != contest.contest_id:
        raise CryptoError(f"ballot: {where} expected, found contest {part.contest_id}")
    if len(part.selections) != len(contest.options):
        raise CryptoError(
            f"ballot: {where} has {len(part.selections)} selections for "
            f"{len(contest.options)} options"
        )
    branches = contest.rule.option_max + 1
    for number, selection in enumerate(part.selections):
        if len(selection.proof) != branches:
            raise CryptoError(f"ballot: {where} option {number} proof needs {branches} branches")
    proofs: list[RangeProof] = [selection.proof for selection in part.selections]
    limits = contest.rule.total_range
    if limits is None:
        if part.total_proof != ():
            raise CryptoError(f"ballot: {where} bounds no total, but has a total proof")
    else:
        if len(part.total_proof) != limits[1] - limits[0] + 1:
            raise CryptoError(
                f"ballot: {where} total proof does not cover {limits[0]}..{limits[1]}"
            )
        proofs.append(part.total_proof)
    return proofs


def check_range_statements(
    public_key: ElectionPublicKey,
    ciphertexts: Sequence[Ciphertext],
    statements: Sequence[RangeStatement],
) -> None:
    """The group equations of every branch of every statement, one by one."""
    group, h = public_key.group, public_key.element
    for indices, proof, low, what in statements:
        ciphertext = _sum_ciphertexts(group, [ciphertexts[i] for i in indices])
        if not _branches_hold(group, h, ciphertext, proof, low):
            raise CryptoError(f"ballot proofs: {what} proof does not verify")


# ---------------------------------------------------------------------------------------------
# Either format


def ballot_statements(
    parameters: ElectionParameters, public_key: ElectionPublicKey, ballot: object
) -> list[RangeStatement]:
    """Check a ballot of `parameters`' format but for its group equations (shape, election,
    challenges); return the range statements to check. Shared by single and batch checks."""
    if not isinstance(parameters, ElectionParameters):
        raise CryptoError("parameters: expected ElectionParameters")
    if parameters.contests:
        if not isinstance(ballot, ContestBallot):
            raise CryptoError("ballot: a format-2 election needs a ballot with contests")
        return check_contest_ballot_statement(parameters, public_key, ballot)
    if not isinstance(ballot, Ballot):
        raise CryptoError("ballot: a format-1 election needs a ballot without contests")
    check_ballot_statement(
        public_key,
        parameters.election_hash,
        ballot,
        parameters.candidate_count,
        parameters.min_selections,
        parameters.max_selections,
    )
    return single_question_statements(ballot, parameters.min_selections)


def single_question_statements(ballot: Ballot, min_selections: int) -> list[RangeStatement]:
    """A format-1 ballot's range statements: each selection 0..1, their count from min."""
    statements: list[RangeStatement] = [
        ((index,), selection.proof, 0, f"selection {index}")
        for index, selection in enumerate(ballot.selections)
    ]
    everything = tuple(range(len(ballot.selections)))
    statements.append((everything, ballot.count_proof, min_selections, "selection count"))
    return statements


def verify_ballot(
    parameters: ElectionParameters,
    public_key: ElectionPublicKey,
    voter_pseudonym: str,
    ballot: AnyBallot,
) -> None:
    """Check a ballot completely, as this voter's ballot in the election `parameters` describe
    (format 1 or 2); CryptoError naming the failed check if it is not valid."""
    if isinstance(parameters, ElectionParameters) and not parameters.contests:
        verify_single_question_ballot(parameters, public_key, voter_pseudonym, ballot)  # type: ignore[arg-type]
        return
    statements = ballot_statements(parameters, public_key, ballot)
    assert isinstance(ballot, ContestBallot)
    if ballot.voter != voter_pseudonym:
        raise CryptoError("ballot: cast for another voter pseudonym")
    check_range_statements(public_key, ballot.ciphertexts, statements)


def ballot_to_json(ballot: AnyBallot) -> bytes:
    """The canonical JSON bytes of a ballot of either format (what is cast and hashed)."""
    if not isinstance(ballot, Ballot | ContestBallot):
        raise CryptoError("ballot: expected a Ballot")
    return canonical_json(ballot.to_dict())


def ballot_tracker(ballot: AnyBallot) -> str:
    """The voter's receipt: SHA-256 hex of the canonical ballot."""
    return sha256_hex(ballot_to_json(ballot))


def ballot_from_dict(data: object, group: Group) -> AnyBallot:
    """A ballot of either format: one with a "contests" field is format 2."""
    if isinstance(data, dict) and "contests" in data:
        return ContestBallot.from_dict(data, group)
    return Ballot.from_dict(data, group)


def parse_ballot(data: bytes | str, group: Group) -> AnyBallot:
    """Parse a ballot of either format; CryptoError if malformed (proofs are not checked)."""
    return ballot_from_dict(parse_json(data), group)
