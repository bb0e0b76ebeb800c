"""Election keys: a k-of-n threshold key ceremony (joint Feldman VSS), or a single holder.

Ceremony, for trustees 1..n and threshold k:
1. Each trustee j picks a random polynomial f_j of degree k-1 and publishes a
   `TrusteeCommitment`: A_j,l = a_j,l * g for each coefficient, each with a Schnorr proof of
   knowledge bound to the election hash and (j, l), so nobody can copy or cancel another
   trustee's key (rogue-key attack).
2. Trustee j sends f_j(i) privately to each trustee i, who checks it against the commitments:
   f_j(i) * g == sum_l i**l * A_j,l (`verify_key_share`).
3. Trustee i's secret share is s_i = sum_j f_j(i); the election public key is
   h = sum_j A_j,0; anyone can compute trustee i's verification key
   Y_i = sum_j sum_l i**l * A_j,l = s_i * g from the public commitments.
Any k shares determine the secret s = sum_j f_j(0) by Lagrange interpolation at 0; k-1 shares
reveal nothing about it. The joint secret is never assembled: decryption combines partial
decryptions (tally.py). This is Pedersen's joint-Feldman DKG; a dishonest trustee can bias the
public key slightly (Gennaro et al.), which does not affect ElGamal's secrecy.

A single-holder key is the 1-of-1 case (`generate_election_key`), so the record format and the
verifier are the same for both.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from evcrypto.elgamal import ElectionPublicKey
from evcrypto.encoding import expect_hash, expect_int, expect_list, expect_object
from evcrypto.errors import CryptoError
from evcrypto.group import Element, Group, group_named, require_group
from evcrypto.proofs import SchnorrProof, knowledge_proof_holds, prove_knowledge
from evcrypto.secp256k1 import SECP256K1

COEFFICIENT_DOMAIN = "evoting/trustee-coefficient/v1"
MAX_TRUSTEES = 100


def _check_trustee_index(value: object, what: str, count: int = MAX_TRUSTEES) -> int:
    return expect_int(value, what, 1, count)


def _check_threshold(threshold: object, trustee_count: object) -> tuple[int, int]:
    count = expect_int(trustee_count, "trustee count", 1, MAX_TRUSTEES)
    return expect_int(threshold, "threshold", 1, count), count


@dataclass(frozen=True)
class TrusteeCommitment:
    """A trustee's public ceremony message: Feldman commitments to its polynomial's
    coefficients (constant term first), each with a Schnorr proof of knowledge."""

    trustee: int
    coefficients: tuple[Element, ...]
    proofs: tuple[SchnorrProof, ...]

    def __post_init__(self) -> None:
        _check_trustee_index(self.trustee, "trustee commitment index")
        if not isinstance(self.coefficients, tuple) or not self.coefficients:
            raise CryptoError("trustee commitment: coefficients must be a non-empty tuple")
        if not isinstance(self.proofs, tuple) or len(self.proofs) != len(self.coefficients):
            raise CryptoError("trustee commitment: need one proof per coefficient")
        group = _check_element_type(self.coefficients[0]).group
        for coefficient, proof in zip(self.coefficients, self.proofs, strict=True):
            group.check_element(coefficient, "trustee commitment coefficient")
            if not isinstance(proof, SchnorrProof) or proof.commitment.group is not group:
                raise CryptoError("trustee commitment: proofs must be SchnorrProof in its group")

    @property
    def group(self) -> Group:
        return self.coefficients[0].group

    def value_at(self, index: int) -> Element:
        """f(index) * g from the public commitments: sum_l index**l * A_l."""
        group = self.group
        return group.sum(
            coefficient * pow(index, power, group.order)
            for power, coefficient in enumerate(self.coefficients)
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "trustee": self.trustee,
            "coefficients": [coefficient.hex() for coefficient in self.coefficients],
            "proofs": [proof.to_dict() for proof in self.proofs],
        }

    @classmethod
    def from_dict(cls, group: Group, data: object, what: str) -> "TrusteeCommitment":
        group = require_group(group)
        fields = expect_object(data, {"trustee", "coefficients", "proofs"}, what)
        coefficients = expect_list(fields["coefficients"], f"{what} coefficients")
        proofs = expect_list(fields["proofs"], f"{what} proofs")
        return cls(
            _check_trustee_index(fields["trustee"], f"{what} trustee"),
            tuple(
                group.element_from_hex(item, f"{what} coefficient {i}")
                for i, item in enumerate(coefficients)
            ),
            tuple(
                SchnorrProof.from_dict(group, item, f"{what} proof {i}")
                for i, item in enumerate(proofs)
            ),
        )


def _check_element_type(value: object) -> Element:
    if not isinstance(value, Element):
        raise CryptoError("trustee commitment: coefficients must be group elements")
    return value


def _coefficient_statement(
    election_hash: str, trustee: int, power: int, coefficient: Element
) -> dict[str, object]:
    return {
        "election_hash": election_hash,
        "trustee": trustee,
        "coefficient_index": power,
        "coefficient": coefficient.hex(),
    }


@dataclass(frozen=True)
class TrusteeKey:
    """One trustee's secret share s_i of the election key (the whole key for a single holder).
    Keep it private; the repr never shows the secret."""

    group: Group
    trustee: int
    secret: int = field(repr=False)

    def __post_init__(self) -> None:
        require_group(self.group)
        _check_trustee_index(self.trustee, "trustee key index")
        self.group.check_scalar(self.secret, "trustee key secret")


@dataclass(frozen=True)
class KeyDealing:
    """A trustee's secret polynomial during the ceremony: publish `commitment`, send
    `share_for(i)` privately to each trustee i, then discard."""

    group: Group
    trustee: int
    polynomial: tuple[int, ...] = field(repr=False)
    commitment: TrusteeCommitment

    def share_for(self, recipient: int) -> int:
        """f(recipient): the share this trustee sends to trustee `recipient`."""
        _check_trustee_index(recipient, "share recipient")
        q = self.group.order
        return sum(a * pow(recipient, power, q) for power, a in enumerate(self.polynomial)) % q


def start_key_ceremony(
    election_hash: str, trustee: int, threshold: int, trustee_count: int, group: Group = SECP256K1
) -> KeyDealing:
    """Step 1 for one trustee: a random polynomial of degree threshold-1 and its commitment."""
    group = require_group(group)
    threshold, trustee_count = _check_threshold(threshold, trustee_count)
    trustee = _check_trustee_index(trustee, "trustee", trustee_count)
    polynomial = tuple(group.random_scalar() for _ in range(threshold))
    return deal(election_hash, trustee, polynomial, group)


def deal(
    election_hash: str, trustee: int, polynomial: Sequence[int], group: Group = SECP256K1
) -> KeyDealing:
    """The dealing of a polynomial a trustee already holds (constant term first): its
    commitment with fresh proofs of knowledge, and the shares to send."""
    expect_hash(election_hash, "election hash")
    group = require_group(group)
    trustee = _check_trustee_index(trustee, "trustee")
    if not isinstance(polynomial, Sequence) or not polynomial:
        raise CryptoError("dealing: the polynomial needs at least one coefficient")
    coefficients_secret = tuple(
        group.check_scalar(a, f"polynomial coefficient {i}") for i, a in enumerate(polynomial)
    )
    coefficients = tuple(group.mul_base(a) for a in coefficients_secret)
    proofs = tuple(
        prove_knowledge(
            a,
            group,
            COEFFICIENT_DOMAIN,
            _coefficient_statement(election_hash, trustee, power, coefficients[power]),
        )
        for power, a in enumerate(coefficients_secret)
    )
    commitment = TrusteeCommitment(trustee, coefficients, proofs)
    return KeyDealing(group, trustee, coefficients_secret, commitment)


def verify_trustee_commitment(
    election_hash: str, commitment: TrusteeCommitment, threshold: int
) -> None:
    """Check a commitment's size and every proof of knowledge; CryptoError naming the trustee."""
    expect_hash(election_hash, "election hash")
    if not isinstance(commitment, TrusteeCommitment):
        raise CryptoError("trustee commitment: expected a TrusteeCommitment")
    expect_int(threshold, "threshold", 1, MAX_TRUSTEES)
    who = f"trustee {commitment.trustee}"
    if len(commitment.coefficients) != threshold:
        raise CryptoError(f"{who}: {len(commitment.coefficients)} coefficients, need {threshold}")
    if commitment.coefficients[0].is_identity:
        raise CryptoError(f"{who}: constant-term commitment is the identity")
    for power, (coefficient, proof) in enumerate(
        zip(commitment.coefficients, commitment.proofs, strict=True)
    ):
        statement = _coefficient_statement(election_hash, commitment.trustee, power, coefficient)
        if not knowledge_proof_holds(proof, coefficient, COEFFICIENT_DOMAIN, statement):
            raise CryptoError(f"{who}: proof of knowledge {power} does not verify")


def verify_key_share(commitment: TrusteeCommitment, recipient: int, share: int) -> None:
    """Step 2: check a privately received share f_j(recipient) against trustee j's commitment."""
    if not isinstance(commitment, TrusteeCommitment):
        raise CryptoError("key share: expected a TrusteeCommitment")
    _check_trustee_index(recipient, "share recipient")
    group = commitment.group
    group.check_scalar(share, "key share")
    if group.mul_base(share) != commitment.value_at(recipient):
        raise CryptoError(
            f"key share: share from trustee {commitment.trustee} to trustee {recipient} "
            "does not match its commitment"
        )


@dataclass(frozen=True)
class ElectionKey:
    """The public outcome of the ceremony: threshold and every trustee's commitment."""

    threshold: int
    commitments: tuple[TrusteeCommitment, ...]
    public_key: ElectionPublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.commitments, tuple) or not self.commitments:
            raise CryptoError("election key: commitments must be a non-empty tuple")
        for commitment in self.commitments:
            if not isinstance(commitment, TrusteeCommitment):
                raise CryptoError("election key: every commitment must be a TrusteeCommitment")
        threshold, count = _check_threshold(self.threshold, len(self.commitments))
        if [c.trustee for c in self.commitments] != list(range(1, count + 1)):
            raise CryptoError("election key: commitments must be from trustees 1..n in order")
        group = self.commitments[0].group
        for commitment in self.commitments:
            if commitment.group is not group or len(commitment.coefficients) != threshold:
                raise CryptoError(
                    f"election key: trustee {commitment.trustee} needs {threshold} "
                    f"{group.name} coefficients"
                )
        element = group.sum(c.coefficients[0] for c in self.commitments)
        object.__setattr__(self, "public_key", ElectionPublicKey(group, element))

    @property
    def group(self) -> Group:
        return self.public_key.group

    @property
    def trustee_count(self) -> int:
        return len(self.commitments)

    def verification_key(self, trustee: int) -> Element:
        """Y_i = s_i * g, computed from the public commitments alone."""
        trustee = _check_trustee_index(trustee, "trustee", self.trustee_count)
        return self.group.sum(c.value_at(trustee) for c in self.commitments)

    def to_dict(self) -> dict[str, object]:
        return {
            "group": self.group.name,
            "threshold": self.threshold,
            "commitments": [commitment.to_dict() for commitment in self.commitments],
        }

    @classmethod
    def from_dict(cls, data: object) -> "ElectionKey":
        fields = expect_object(data, {"group", "threshold", "commitments"}, "election key")
        group = group_named(fields["group"])
        items = expect_list(fields["commitments"], "election key commitments")
        return cls(
            expect_int(fields["threshold"], "election key threshold", 1, MAX_TRUSTEES),
            tuple(
                TrusteeCommitment.from_dict(group, item, f"trustee commitment {i + 1}")
                for i, item in enumerate(items)
            ),
        )


def verify_election_key(election_key: ElectionKey, election_hash: str) -> None:
    """Check every trustee's commitment and proofs of knowledge."""
    if not isinstance(election_key, ElectionKey):
        raise CryptoError("election key: expected an ElectionKey")
    for commitment in election_key.commitments:
        verify_trustee_commitment(election_hash, commitment, election_key.threshold)


def finish_key_ceremony(
    election_hash: str,
    trustee: int,
    threshold: int,
    commitments: Sequence[TrusteeCommitment],
    shares: Mapping[int, int],
) -> tuple[ElectionKey, TrusteeKey]:
    """Step 3 for trustee `trustee`: check all commitments and the shares received from each
    trustee j (shares[j] = f_j(trustee)); return the election key and this trustee's key."""
    if not isinstance(commitments, Sequence) or not isinstance(shares, Mapping):
        raise CryptoError("key ceremony: expected commitments and a mapping of shares")
    election_key = ElectionKey(threshold, tuple(commitments))
    verify_election_key(election_key, election_hash)
    trustee = _check_trustee_index(trustee, "trustee", election_key.trustee_count)
    if sorted(shares) != list(range(1, election_key.trustee_count + 1)):
        raise CryptoError("key ceremony: need exactly one share from every trustee")
    for commitment in election_key.commitments:
        verify_key_share(commitment, trustee, shares[commitment.trustee])
    secret = sum(shares.values()) % election_key.group.order
    return election_key, TrusteeKey(election_key.group, trustee, secret)


def run_key_ceremony(
    election_hash: str, threshold: int, trustee_count: int, group: Group = SECP256K1
) -> tuple[ElectionKey, tuple[TrusteeKey, ...]]:
    """The whole ceremony on one machine (tests, demos): the election key and every share."""
    threshold, trustee_count = _check_threshold(threshold, trustee_count)
    dealings = [
        start_key_ceremony(election_hash, j, threshold, trustee_count, group)
        for j in range(1, trustee_count + 1)
    ]
    commitments = [dealing.commitment for dealing in dealings]
    results = [
        finish_key_ceremony(
            election_hash,
            i,
            threshold,
            commitments,
            {dealing.trustee: dealing.share_for(i) for dealing in dealings},
        )
        for i in range(1, trustee_count + 1)
    ]
    return results[0][0], tuple(key for _, key in results)


def generate_election_key(
    election_hash: str, group: Group = SECP256K1
) -> tuple[ElectionKey, TrusteeKey]:
    """A single-holder key: the 1-of-1 ceremony (same record format and verifier)."""
    election_key, (trustee_key,) = run_key_ceremony(election_hash, 1, 1, group)
    return election_key, trustee_key


def lagrange_coefficient(group: Group, trustee: int, trustees: Sequence[int]) -> int:
    """lambda_i = prod_{j != i} j / (j - i) mod q: the weight of share i at x = 0."""
    if len(set(trustees)) != len(trustees) or trustee not in trustees:
        raise CryptoError("lagrange: trustees must be distinct and include the trustee")
    q = group.order
    numerator = denominator = 1
    for other in trustees:
        if other != trustee:
            numerator = numerator * other % q
            denominator = denominator * (other - trustee) % q
    return numerator * pow(denominator, -1, q) % q
