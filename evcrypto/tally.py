"""Homomorphic tally and its proven decryption.

1. `aggregate`: the component-wise sum of every ballot's ciphertexts encrypts each candidate's
   count.
2. `partial_decrypt`: trustee i publishes D_i,j = s_i * alpha_j for each candidate j, with a
   Chaum-Pedersen proof that log_g(Y_i) == log_alpha_j(D_i,j) (Y_i = its verification key).
3. `combine_decryption`: with the shares of any set S of at least k trustees,
   D_j = sum_{i in S} lambda_i * D_i,j = s * alpha_j, and beta_j - D_j = count_j * g; the count
   is recovered by baby-step giant-step, bounded by the most the ballots can add up to: the
   number of ballots (format 1), or the total weight times the option's largest value
   (format 2, where each ballot's ciphertexts are multiplied by its voter's weight).
Anyone can re-check 2 and 3 from public data (`verify_decryption`) without any discrete log:
beta_j - D_j must equal count_j * g for the published counts.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from evcrypto.ballot import Ballot
from evcrypto.batch import verify_election_ballots
from evcrypto.contest_ballot import AnyBallot, ContestBallot, ballot_to_json, parse_ballot
from evcrypto.contests import MAX_POINTS, MAX_WEIGHT, check_weight
from evcrypto.dlog import MAX_BOUND, discrete_log
from evcrypto.elgamal import (
    Ciphertext,
    ElectionPublicKey,
    ciphertexts_from_list,
    ciphertexts_to_list,
)
from evcrypto.encoding import MAX_SAFE_INTEGER, expect_hash, expect_int, expect_list, expect_object
from evcrypto.errors import CryptoError
from evcrypto.group import Element, Group, require_group
from evcrypto.keys import MAX_TRUSTEES, ElectionKey, TrusteeKey, lagrange_coefficient
from evcrypto.parameters import ElectionParameters
from evcrypto.proofs import ChaumPedersenProof, equal_logs_proof_holds, prove_equal_logs

DECRYPTION_DOMAIN = "evoting/decryption-share/v1"


@dataclass(frozen=True)
class Aggregate:
    """The encrypted tally: one ciphertext per candidate (per option of every contest) and the
    number of ballots in it; for format 2 also the total weight of those ballots (the ballot
    count when voters are not weighted)."""

    ballot_count: int
    ciphertexts: tuple[Ciphertext, ...]
    total_weight: int | None = None

    def __post_init__(self) -> None:
        count = expect_int(self.ballot_count, "aggregate ballot count")
        if self.total_weight is not None:
            high = min(count * MAX_WEIGHT, MAX_SAFE_INTEGER)
            expect_int(self.total_weight, "aggregate total weight", count, high)
        if not isinstance(self.ciphertexts, tuple) or not self.ciphertexts:
            raise CryptoError("aggregate: ciphertexts must be a non-empty tuple")
        for ciphertext in self.ciphertexts:
            if not isinstance(ciphertext, Ciphertext):
                raise CryptoError("aggregate: every ciphertext must be a Ciphertext")
            if ciphertext.group is not self.group:
                raise CryptoError("aggregate: ciphertexts from different groups")

    @property
    def group(self) -> Group:
        return self.ciphertexts[0].group

    @property
    def counted_weight(self) -> int:
        """What each option's total is a multiple of at most: the total weight, or (format 1)
        the number of ballots."""
        return self.ballot_count if self.total_weight is None else self.total_weight

    def to_dict(self) -> dict[str, object]:
        value: dict[str, object] = {
            "ballot_count": self.ballot_count,
            "ciphertexts": ciphertexts_to_list(self.ciphertexts),
        }
        if self.total_weight is not None:
            value["total_weight"] = self.total_weight
        return value

    @classmethod
    def from_dict(cls, group: Group, data: object) -> "Aggregate":
        group = require_group(group)
        keys = {"ballot_count", "ciphertexts"}
        if isinstance(data, dict) and "total_weight" in data:
            keys.add("total_weight")
        fields = expect_object(data, keys, "aggregate")
        return cls(
            expect_int(fields["ballot_count"], "aggregate ballot count"),
            ciphertexts_from_list(group, fields["ciphertexts"], "aggregate ciphertext"),
            fields.get("total_weight"),
        )


def aggregate(
    ballots: Iterable[AnyBallot],
    candidate_count: int,
    group: Group,
    weights: Sequence[int] | None = None,
) -> Aggregate:
    """Add up the ballots' ciphertexts (proofs are not checked here: verify ballots first).
    With `weights` (one per ballot, format 2), each ballot's ciphertexts count that many
    times and the aggregate records the total weight."""
    if not isinstance(ballots, Iterable):
        raise CryptoError("aggregate: ballots must be an iterable of Ballot")
    rows = []
    for ballot in ballots:
        if not isinstance(ballot, Ballot | ContestBallot):
            raise CryptoError("aggregate: every ballot must be a Ballot")
        rows.append(ballot.ciphertexts)
    return aggregate_ciphertexts(rows, candidate_count, group, weights)


def election_aggregate(
    parameters: ElectionParameters,
    ballots: Sequence[AnyBallot],
    weights: Mapping[str, int] | None = None,
) -> Aggregate:
    """The aggregate of an election's ballots: format 1 as `aggregate`; format 2 with each
    ballot weighted by its voter's entry in `weights` and the total weight recorded. A
    weighted election needs `weights`, exactly the roll its parameters commit to
    (`weights_hash`), with an entry for every ballot's voter; in an unweighted one every
    voter weighs 1."""
    if not isinstance(parameters, ElectionParameters):
        raise CryptoError("aggregate: expected ElectionParameters")
    if not parameters.contests:
        if weights is not None:
            raise CryptoError("weights: a format-1 election has no weights")
        return aggregate(ballots, parameters.candidate_count, parameters.group)
    return _weighted_aggregate(parameters, ballots, parameters.check_weight_roll(weights))


def _weighted_aggregate(
    parameters: ElectionParameters, ballots: Sequence[AnyBallot], roll: Mapping[str, int]
) -> Aggregate:
    """Format 2: each ballot times its voter's weight in `roll` (checked against the
    parameters already); every voter weighs 1 in an unweighted election."""
    if not isinstance(ballots, Sequence):
        raise CryptoError("aggregate: ballots must be a sequence")
    per_ballot = []
    for index, ballot in enumerate(ballots):
        voter = getattr(ballot, "voter", "")
        if not parameters.weighted:
            per_ballot.append(1)
        elif voter in roll:
            per_ballot.append(roll[voter])
        else:
            raise CryptoError(f"ballot {index}: voter {voter} is not on the weight roll")
    return aggregate(ballots, parameters.candidate_count, parameters.group, per_ballot)


AGGREGATE_CHUNK = 2000  # ballots parsed and batch-verified between two progress reports


def verified_aggregate(
    parameters: ElectionParameters,
    public_key: ElectionPublicKey,
    ballots: Sequence[tuple[bytes, str]],
    on_progress: Callable[[int], None] | None = None,
    weights: Mapping[str, int] | None = None,
) -> Aggregate:
    """Add up ballots as a tally takes them from the chain: (canonical JSON, the voter
    pseudonym the transaction carries). Each must be in canonical form (so its tracker is its
    only spelling), name that very voter and this election, and carry proofs that verify
    (batch verification); no ciphertext may appear twice. CryptoError naming the first
    failure. A ballot copied under another voter's transaction is refused: its proofs are
    bound to the voter it names.

    Ballots are taken AGGREGATE_CHUNK at a time; `on_progress(n)` hears each chunk's `n`
    ballots once they are parsed and verified.

    Ballots of a format-2 election are ContestBallots; a weighted election needs `weights`
    (voter pseudonym -> weight), exactly the roll its parameters commit to, checked before
    any ballot is parsed, and refuses a ballot whose voter is not on it."""
    if not isinstance(parameters, ElectionParameters) or not isinstance(
        public_key, ElectionPublicKey
    ):
        raise CryptoError("verified aggregate: expected ElectionParameters and a public key")
    if not isinstance(ballots, Sequence):
        raise CryptoError("verified aggregate: expected a sequence of (ballot JSON, voter)")
    if public_key.group is not parameters.group:
        raise CryptoError("verified aggregate: the key is not in the election's group")
    if on_progress is not None and not callable(on_progress):
        raise CryptoError("verified aggregate: on_progress must be callable")
    roll = parameters.check_weight_roll(weights) if parameters.contests else None
    if roll is None and weights is not None:
        raise CryptoError("weights: a format-1 election has no weights")
    parsed: list[AnyBallot] = []
    seen: set[str] = set()
    for start in range(0, len(ballots), AGGREGATE_CHUNK):
        chunk = [
            _chain_ballot(parameters, public_key, index, ballots[index], seen)
            for index in range(start, min(start + AGGREGATE_CHUNK, len(ballots)))
        ]
        verify_election_ballots(parameters, public_key, chunk, first_index=start)
        parsed.extend(chunk)
        if on_progress is not None:
            on_progress(len(chunk))
    if roll is None:
        return aggregate(parsed, parameters.candidate_count, parameters.group)
    return _weighted_aggregate(parameters, parsed, roll)


def _chain_ballot(
    parameters: ElectionParameters,
    public_key: ElectionPublicKey,
    index: int,
    item: object,
    seen: set[str],
) -> AnyBallot:
    """One (ballot JSON, voter) of `verified_aggregate`, parsed and checked but for its proofs."""
    if not isinstance(item, tuple) or len(item) != 2:
        raise CryptoError(f"ballot {index}: expected (ballot JSON, voter pseudonym)")
    payload, voter = item
    ballot = parse_ballot(payload, public_key.group)
    if ballot_to_json(ballot) != payload:
        raise CryptoError(f"ballot {index}: not in canonical form")
    if ballot.voter != voter:
        raise CryptoError(f"ballot {index}: names voter {ballot.voter}, cast as {voter}")
    if ballot.election_hash != parameters.election_hash:
        raise CryptoError(f"ballot {index}: names another election")
    first = ballot.ciphertexts[0].alpha.hex()
    if first in seen:
        raise CryptoError(f"ballot {index}: a copy of an earlier ballot's ciphertext")
    seen.add(first)
    return ballot


def aggregate_ciphertexts(
    rows: Sequence[Sequence[Ciphertext]],
    candidate_count: int,
    group: Group,
    weights: Sequence[int] | None = None,
) -> Aggregate:
    """Add up rows of per-candidate ciphertexts; one libsecp256k1 call per column on
    secp256k1, so 100,000 ballots take tens of milliseconds. With `weights` (one per row),
    row i counts weights[i] times: rows of equal weight are added first, then each such sum
    is multiplied once by its weight, so a few distinct weights cost a few multiplications."""
    group = require_group(group)
    expect_int(candidate_count, "candidate count", 1, MAX_SAFE_INTEGER)
    if not isinstance(rows, Sequence):
        raise CryptoError("aggregate: rows must be a sequence of ciphertext sequences")
    for index, row in enumerate(rows):
        if not isinstance(row, Sequence) or len(row) != candidate_count:
            raise CryptoError(f"aggregate: row {index} needs {candidate_count} ciphertexts")
    classes = _weight_classes(rows, weights)
    columns = []
    for j in range(candidate_count):
        alpha = beta = group.identity()
        for weight, members in classes.items():
            column = [rows[i][j] for i in members]
            for ciphertext in column:
                if not isinstance(ciphertext, Ciphertext) or ciphertext.group is not group:
                    raise CryptoError(f"aggregate: candidate {j} needs {group.name} ciphertexts")
            alpha = alpha + group.sum(ciphertext.alpha for ciphertext in column) * weight
            beta = beta + group.sum(ciphertext.beta for ciphertext in column) * weight
        columns.append(Ciphertext(alpha, beta))
    if weights is None:
        return Aggregate(len(rows), tuple(columns))
    return Aggregate(len(rows), tuple(columns), sum(weights))


def _weight_classes(rows: Sequence[object], weights: Sequence[int] | None) -> dict[int, list[int]]:
    """Row indices by weight (all of weight 1 without weights)."""
    if weights is None:
        return {1: list(range(len(rows)))}
    if not isinstance(weights, Sequence) or len(weights) != len(rows):
        raise CryptoError(f"aggregate: need one weight per ballot ({len(rows)})")
    classes: dict[int, list[int]] = {}
    for index, weight in enumerate(weights):
        classes.setdefault(check_weight(weight, f"aggregate: weight {index}"), []).append(index)
    return classes


@dataclass(frozen=True)
class PartialDecryption:
    """Trustee i's decryption factors s_i * alpha_j, each with a Chaum-Pedersen proof."""

    trustee: int
    factors: tuple[Element, ...]
    proofs: tuple[ChaumPedersenProof, ...]

    def __post_init__(self) -> None:
        expect_int(self.trustee, "partial decryption trustee", 1, MAX_TRUSTEES)
        if not isinstance(self.factors, tuple) or not self.factors:
            raise CryptoError("partial decryption: factors must be a non-empty tuple")
        if not isinstance(self.proofs, tuple) or len(self.proofs) != len(self.factors):
            raise CryptoError("partial decryption: need one proof per factor")
        if not isinstance(self.factors[0], Element):
            raise CryptoError("partial decryption: factors must be group elements")
        group = self.factors[0].group
        for factor, proof in zip(self.factors, self.proofs, strict=True):
            group.check_element(factor, "partial decryption factor")
            if not isinstance(proof, ChaumPedersenProof) or proof.a.group is not group:
                raise CryptoError("partial decryption: proofs must be ChaumPedersenProof")

    def to_dict(self) -> dict[str, object]:
        return {
            "trustee": self.trustee,
            "factors": [factor.hex() for factor in self.factors],
            "proofs": [proof.to_dict() for proof in self.proofs],
        }

    @classmethod
    def from_dict(cls, group: Group, data: object, what: str) -> "PartialDecryption":
        group = require_group(group)
        fields = expect_object(data, {"trustee", "factors", "proofs"}, what)
        factors = expect_list(fields["factors"], f"{what} factors")
        proofs = expect_list(fields["proofs"], f"{what} proofs")
        return cls(
            expect_int(fields["trustee"], f"{what} trustee", 1, MAX_TRUSTEES),
            tuple(
                group.element_from_hex(item, f"{what} factor {j}") for j, item in enumerate(factors)
            ),
            tuple(
                ChaumPedersenProof.from_dict(group, item, f"{what} proof {j}")
                for j, item in enumerate(proofs)
            ),
        )


def _share_statement(
    election_hash: str, trustee: int, candidate: int, key: Element, alpha: Element, factor: Element
) -> dict[str, object]:
    return {
        "election_hash": election_hash,
        "trustee": trustee,
        "candidate": candidate,
        "verification_key": key.hex(),
        "alpha": alpha.hex(),
        "factor": factor.hex(),
    }


def partial_decrypt(key: TrusteeKey, aggregate: Aggregate, election_hash: str) -> PartialDecryption:
    """Trustee `key.trustee`'s share of the decryption of `aggregate`, with proofs."""
    if not isinstance(key, TrusteeKey) or not isinstance(aggregate, Aggregate):
        raise CryptoError("partial decryption: expected a TrusteeKey and an Aggregate")
    expect_hash(election_hash, "election hash")
    if key.group is not aggregate.group:
        raise CryptoError("partial decryption: key and aggregate are in different groups")
    verification_key = key.group.mul_base(key.secret)
    factors, proofs = [], []
    for j, ciphertext in enumerate(aggregate.ciphertexts):
        factor = ciphertext.alpha * key.secret
        statement = _share_statement(
            election_hash, key.trustee, j, verification_key, ciphertext.alpha, factor
        )
        factors.append(factor)
        proofs.append(prove_equal_logs(key.secret, ciphertext.alpha, DECRYPTION_DOMAIN, statement))
    return PartialDecryption(key.trustee, tuple(factors), tuple(proofs))


def verify_partial_decryption(
    election_key: ElectionKey, aggregate: Aggregate, partial: PartialDecryption, election_hash: str
) -> None:
    """Check every proof of a trustee's partial decryption; CryptoError naming what failed."""
    _check_decryption_inputs(election_key, aggregate, election_hash)
    if not isinstance(partial, PartialDecryption):
        raise CryptoError("partial decryption: expected a PartialDecryption")
    who = f"trustee {partial.trustee}"
    if partial.trustee > election_key.trustee_count:
        raise CryptoError(f"{who}: not a trustee of this election")
    if len(partial.factors) != len(aggregate.ciphertexts):
        raise CryptoError(
            f"{who}: {len(partial.factors)} factors for {len(aggregate.ciphertexts)} candidates"
        )
    if partial.factors[0].group is not aggregate.group:
        raise CryptoError(f"{who}: factors are not in the election's group")
    key = election_key.verification_key(partial.trustee)
    for j, (ciphertext, factor, proof) in enumerate(
        zip(aggregate.ciphertexts, partial.factors, partial.proofs, strict=True)
    ):
        statement = _share_statement(
            election_hash, partial.trustee, j, key, ciphertext.alpha, factor
        )
        if not equal_logs_proof_holds(
            proof, key, ciphertext.alpha, factor, DECRYPTION_DOMAIN, statement
        ):
            raise CryptoError(f"{who}: decryption proof for candidate {j} does not verify")


def _check_decryption_inputs(election_key: object, aggregate: object, election_hash: str) -> None:
    if not isinstance(election_key, ElectionKey) or not isinstance(aggregate, Aggregate):
        raise CryptoError("decryption: expected an ElectionKey and an Aggregate")
    expect_hash(election_hash, "election hash")
    if election_key.group is not aggregate.group:
        raise CryptoError("decryption: key and aggregate are in different groups")


@dataclass(frozen=True)
class DecryptedTally:
    """The published result: counts per candidate and the partial decryptions proving them."""

    counts: tuple[int, ...]
    partial_decryptions: tuple[PartialDecryption, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.counts, tuple) or not self.counts:
            raise CryptoError("tally: counts must be a non-empty tuple")
        for count in self.counts:
            expect_int(count, "tally count")
        if not isinstance(self.partial_decryptions, tuple) or not self.partial_decryptions:
            raise CryptoError("tally: partial decryptions must be a non-empty tuple")
        for partial in self.partial_decryptions:
            if not isinstance(partial, PartialDecryption):
                raise CryptoError("tally: every partial decryption must be a PartialDecryption")


def decrypted_points(
    election_key: ElectionKey, aggregate: Aggregate, partials: Sequence[PartialDecryption]
) -> tuple[Element, ...]:
    """count_j * g for each candidate: beta_j minus the Lagrange-combined factors.

    Checks that at least `threshold` distinct trustees contributed (not their proofs)."""
    trustees = [partial.trustee for partial in partials]
    if len(set(trustees)) != len(trustees):
        raise CryptoError("decryption: a trustee contributed twice")
    if len(trustees) < election_key.threshold:
        raise CryptoError(
            f"decryption: {len(trustees)} partial decryptions, need {election_key.threshold}"
        )
    for partial in partials:
        if len(partial.factors) != len(aggregate.ciphertexts):
            raise CryptoError(f"decryption: trustee {partial.trustee} has the wrong factor count")
    group = aggregate.group
    weights = [lagrange_coefficient(group, trustee, trustees) for trustee in trustees]
    points = []
    for j, ciphertext in enumerate(aggregate.ciphertexts):
        terms = [
            (partial.factors[j], weight) for partial, weight in zip(partials, weights, strict=True)
        ]
        points.append(ciphertext.beta - group.multi_mul(terms))
    return tuple(points)


def count_bounds(aggregate: Aggregate, maxima: Sequence[int] | None = None) -> tuple[int, ...]:
    """The largest total each aggregate ciphertext can hold: the counted weight (ballots, or
    total weight) times the most one ballot adds to that option (`maxima`, in aggregate
    order, as ElectionParameters.value_maxima gives them; by default 1 for a format-1
    aggregate and MAX_POINTS, the largest any rule allows, for a format-2 one)."""
    if not isinstance(aggregate, Aggregate):
        raise CryptoError("decryption: expected an Aggregate")
    count = len(aggregate.ciphertexts)
    if maxima is None:
        maxima = [1 if aggregate.total_weight is None else MAX_POINTS] * count
    if not isinstance(maxima, Sequence) or len(maxima) != count:
        raise CryptoError(f"decryption: need one value maximum per ciphertext ({count})")
    return tuple(
        aggregate.counted_weight * expect_int(high, "value maximum", 1, MAX_POINTS)
        for high in maxima
    )


def combine_decryption(
    election_key: ElectionKey,
    aggregate: Aggregate,
    partials: Sequence[PartialDecryption],
    election_hash: str,
    maxima: Sequence[int] | None = None,
) -> DecryptedTally:
    """Check each partial decryption, combine any >= threshold of them, and find the counts
    (each within count_bounds(aggregate, maxima), and at most dlog.MAX_BOUND)."""
    _check_decryption_inputs(election_key, aggregate, election_hash)
    bounds = count_bounds(aggregate, maxima)
    if not isinstance(partials, Sequence):
        raise CryptoError("decryption: partial decryptions must be a sequence")
    for partial in partials:
        verify_partial_decryption(election_key, aggregate, partial, election_hash)
    points = decrypted_points(election_key, aggregate, partials)
    counts = tuple(
        discrete_log(point, min(bound, MAX_BOUND))
        for point, bound in zip(points, bounds, strict=True)
    )
    return DecryptedTally(counts, tuple(sorted(partials, key=lambda p: p.trustee)))


def decrypt_tally(
    election_key: ElectionKey,
    trustee_keys: TrusteeKey | Sequence[TrusteeKey],
    aggregate: Aggregate,
    election_hash: str,
    maxima: Sequence[int] | None = None,
) -> DecryptedTally:
    """Decrypt with the given trustee keys (one key for a single holder) on this machine."""
    keys = (trustee_keys,) if isinstance(trustee_keys, TrusteeKey) else trustee_keys
    if not isinstance(keys, Sequence):
        raise CryptoError("decrypt tally: expected a TrusteeKey or a sequence of them")
    partials = [partial_decrypt(key, aggregate, election_hash) for key in keys]
    return combine_decryption(election_key, aggregate, partials, election_hash, maxima)


def verify_decryption(
    election_key: ElectionKey,
    aggregate: Aggregate,
    tally: DecryptedTally,
    election_hash: str,
    maxima: Sequence[int] | None = None,
) -> None:
    """Re-check a published tally: every share's proof, and beta_j - D_j == count_j * g."""
    _check_decryption_inputs(election_key, aggregate, election_hash)
    if not isinstance(tally, DecryptedTally):
        raise CryptoError("tally: expected a DecryptedTally")
    for partial in tally.partial_decryptions:
        verify_partial_decryption(election_key, aggregate, partial, election_hash)
    check_counts(election_key, aggregate, tally, maxima)


def check_counts(
    election_key: ElectionKey,
    aggregate: Aggregate,
    tally: DecryptedTally,
    maxima: Sequence[int] | None = None,
) -> None:
    """beta_j - D_j == count_j * g for every candidate, each count within its bound
    (count_bounds); the shares' proofs are checked separately."""
    if len(tally.counts) != len(aggregate.ciphertexts):
        raise CryptoError(
            f"tally: {len(tally.counts)} counts for {len(aggregate.ciphertexts)} candidates"
        )
    bounds = count_bounds(aggregate, maxima)
    points = decrypted_points(election_key, aggregate, tally.partial_decryptions)
    group = aggregate.group
    for j, (count, point, bound) in enumerate(zip(tally.counts, points, bounds, strict=True)):
        if count > bound or group.mul_base(count) != point:
            raise CryptoError(f"tally: count {count} for candidate {j} is not the decryption")
