"""Homomorphic tally and its proven decryption.

1. `aggregate`: the component-wise sum of every ballot's ciphertexts encrypts each candidate's
   count.
2. `partial_decrypt`: trustee i publishes D_i,j = s_i * alpha_j for each candidate j, with a
   Chaum-Pedersen proof that log_g(Y_i) == log_alpha_j(D_i,j) (Y_i = its verification key).
3. `combine_decryption`: with the shares of any set S of at least k trustees,
   D_j = sum_{i in S} lambda_i * D_i,j = s * alpha_j, and beta_j - D_j = count_j * g; the count
   is recovered by baby-step giant-step, bounded by the number of ballots.
Anyone can re-check 2 and 3 from public data (`verify_decryption`) without any discrete log:
beta_j - D_j must equal count_j * g for the published counts.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from evcrypto.ballot import Ballot
from evcrypto.dlog import discrete_log
from evcrypto.elgamal import Ciphertext, ciphertexts_from_list, ciphertexts_to_list
from evcrypto.encoding import MAX_SAFE_INTEGER, expect_hash, expect_int, expect_list, expect_object
from evcrypto.errors import CryptoError
from evcrypto.group import Element, Group, require_group
from evcrypto.keys import MAX_TRUSTEES, ElectionKey, TrusteeKey, lagrange_coefficient
from evcrypto.proofs import ChaumPedersenProof, equal_logs_proof_holds, prove_equal_logs

DECRYPTION_DOMAIN = "evoting/decryption-share/v1"


@dataclass(frozen=True)
class Aggregate:
    """The encrypted tally: one ciphertext per candidate and the number of ballots in it."""

    ballot_count: int
    ciphertexts: tuple[Ciphertext, ...]

    def __post_init__(self) -> None:
        expect_int(self.ballot_count, "aggregate ballot count")
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

    def to_dict(self) -> dict[str, object]:
        return {
            "ballot_count": self.ballot_count,
            "ciphertexts": ciphertexts_to_list(self.ciphertexts),
        }

    @classmethod
    def from_dict(cls, group: Group, data: object) -> "Aggregate":
        group = require_group(group)
        fields = expect_object(data, {"ballot_count", "ciphertexts"}, "aggregate")
        return cls(
            expect_int(fields["ballot_count"], "aggregate ballot count"),
            ciphertexts_from_list(group, fields["ciphertexts"], "aggregate ciphertext"),
        )


def aggregate(ballots: Iterable[Ballot], candidate_count: int, group: Group) -> Aggregate:
    """Add up the ballots' ciphertexts (proofs are not checked here: verify ballots first)."""
    if not isinstance(ballots, Iterable):
        raise CryptoError("aggregate: ballots must be an iterable of Ballot")
    rows = []
    for ballot in ballots:
        if not isinstance(ballot, Ballot):
            raise CryptoError("aggregate: every ballot must be a Ballot")
        rows.append(ballot.ciphertexts)
    return aggregate_ciphertexts(rows, candidate_count, group)


def aggregate_ciphertexts(
    rows: Sequence[Sequence[Ciphertext]], candidate_count: int, group: Group
) -> Aggregate:
    """Add up rows of per-candidate ciphertexts; one libsecp256k1 call per column on
    secp256k1, so 100,000 ballots take tens of milliseconds."""
    group = require_group(group)
    expect_int(candidate_count, "candidate count", 1, MAX_SAFE_INTEGER)
    if not isinstance(rows, Sequence):
        raise CryptoError("aggregate: rows must be a sequence of ciphertext sequences")
    for index, row in enumerate(rows):
        if not isinstance(row, Sequence) or len(row) != candidate_count:
            raise CryptoError(f"aggregate: row {index} needs {candidate_count} ciphertexts")
    columns = []
    for j in range(candidate_count):
        column = [row[j] for row in rows]
        for ciphertext in column:
            if not isinstance(ciphertext, Ciphertext) or ciphertext.group is not group:
                raise CryptoError(f"aggregate: candidate {j} needs {group.name} ciphertexts")
        alpha = group.sum(ciphertext.alpha for ciphertext in column)
        columns.append(Ciphertext(alpha, group.sum(ciphertext.beta for ciphertext in column)))
    return Aggregate(len(rows), tuple(columns))


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


def combine_decryption(
    election_key: ElectionKey,
    aggregate: Aggregate,
    partials: Sequence[PartialDecryption],
    election_hash: str,
) -> DecryptedTally:
    """Check each partial decryption, combine any >= threshold of them, and find the counts."""
    _check_decryption_inputs(election_key, aggregate, election_hash)
    if not isinstance(partials, Sequence):
        raise CryptoError("decryption: partial decryptions must be a sequence")
    for partial in partials:
        verify_partial_decryption(election_key, aggregate, partial, election_hash)
    points = decrypted_points(election_key, aggregate, partials)
    counts = tuple(discrete_log(point, aggregate.ballot_count) for point in points)
    return DecryptedTally(counts, tuple(sorted(partials, key=lambda p: p.trustee)))


def decrypt_tally(
    election_key: ElectionKey,
    trustee_keys: TrusteeKey | Sequence[TrusteeKey],
    aggregate: Aggregate,
    election_hash: str,
) -> DecryptedTally:
    """Decrypt with the given trustee keys (one key for a single holder) on this machine."""
    keys = (trustee_keys,) if isinstance(trustee_keys, TrusteeKey) else trustee_keys
    if not isinstance(keys, Sequence):
        raise CryptoError("decrypt tally: expected a TrusteeKey or a sequence of them")
    partials = [partial_decrypt(key, aggregate, election_hash) for key in keys]
    return combine_decryption(election_key, aggregate, partials, election_hash)


def verify_decryption(
    election_key: ElectionKey, aggregate: Aggregate, tally: DecryptedTally, election_hash: str
) -> None:
    """Re-check a published tally: every share's proof, and beta_j - D_j == count_j * g."""
    _check_decryption_inputs(election_key, aggregate, election_hash)
    if not isinstance(tally, DecryptedTally):
        raise CryptoError("tally: expected a DecryptedTally")
    for partial in tally.partial_decryptions:
        verify_partial_decryption(election_key, aggregate, partial, election_hash)
    check_counts(election_key, aggregate, tally)


def check_counts(election_key: ElectionKey, aggregate: Aggregate, tally: DecryptedTally) -> None:
    """beta_j - D_j == count_j * g for every candidate (shares' proofs checked separately)."""
    if len(tally.counts) != len(aggregate.ciphertexts):
        raise CryptoError(
            f"tally: {len(tally.counts)} counts for {len(aggregate.ciphertexts)} candidates"
        )
    points = decrypted_points(election_key, aggregate, tally.partial_decryptions)
    group = aggregate.group
    for j, (count, point) in enumerate(zip(tally.counts, points, strict=True)):
        if count > aggregate.ballot_count or group.mul_base(count) != point:
            raise CryptoError(f"tally: count {count} for candidate {j} is not the decryption")
