"""Sigma proofs made non-interactive with Fiat-Shamir over the whole statement.

* `ChaumPedersenProof` shows log_g1(y1) == log_g2(y2) without revealing the logarithm x:
  commitments a = w*g1, b = w*g2; challenge c; response z = w + c*x; the verifier checks
  z*g1 == a + c*y1 and z*g2 == b + c*y2. Ballot range proofs are disjunctions of these (see
  ballot.py); decryption shares carry one per ciphertext.
* `SchnorrProof` shows knowledge of x with y = x*g (trustee polynomial coefficients).

Challenges are SHA-256 (reduced mod the group order) of the canonical JSON of
{"domain": ..., "group": ..., "statement": ...}; the statement always names the election hash
and every public value and commitment the proof speaks about (Helios hashed only the
commitments, its issue #34).
"""

from dataclasses import dataclass

from evcrypto.encoding import canonical_json, expect_object
from evcrypto.errors import CryptoError
from evcrypto.group import Element, Group, require_group


def fiat_shamir_challenge(group: Group, domain: str, statement: dict[str, object]) -> int:
    """The challenge scalar for `statement` under `domain` (one function for every proof)."""
    transcript = {"domain": domain, "group": group.name, "statement": statement}
    return group.hash_to_scalar(canonical_json(transcript))


@dataclass(frozen=True)
class ChaumPedersenProof:
    """Commitments a, b, challenge and response of a Chaum-Pedersen (equal logs) proof."""

    a: Element
    b: Element
    challenge: int
    response: int

    def __post_init__(self) -> None:
        if not isinstance(self.a, Element):
            raise CryptoError("proof: commitment a must be a group element")
        group = self.a.group
        group.check_element(self.b, "proof commitment b")
        group.check_scalar(self.challenge, "proof challenge")
        group.check_scalar(self.response, "proof response")

    def to_dict(self) -> dict[str, str]:
        group = self.a.group
        return {
            "a": self.a.hex(),
            "b": self.b.hex(),
            "challenge": group.scalar_hex(self.challenge),
            "response": group.scalar_hex(self.response),
        }

    @classmethod
    def from_dict(cls, group: Group, data: object, what: str) -> "ChaumPedersenProof":
        group = require_group(group)
        fields = expect_object(data, {"a", "b", "challenge", "response"}, what)
        return cls(
            group.element_from_hex(fields["a"], f"{what} a"),
            group.element_from_hex(fields["b"], f"{what} b"),
            group.scalar_from_hex(fields["challenge"], f"{what} challenge"),
            group.scalar_from_hex(fields["response"], f"{what} response"),
        )

    def holds_for(self, y1: Element, g2: Element, y2: Element) -> bool:
        """Both verification equations with g1 = the generator (the caller checks c)."""
        c, z = self.challenge, self.response
        group = self.a.group
        return group.mul_base(z) == self.a + y1 * c and g2 * z == self.b + y2 * c


def prove_equal_logs(
    secret: int, g2: Element, domain: str, statement: dict[str, object]
) -> ChaumPedersenProof:
    """Prove log_g(secret*g) == log_g2(secret*g2); `statement` must name both public points."""
    group = g2.group
    nonce = group.random_scalar()
    a, b = group.mul_base(nonce), g2 * nonce
    challenge = fiat_shamir_challenge(group, domain, {**statement, "a": a.hex(), "b": b.hex()})
    return ChaumPedersenProof(a, b, challenge, (nonce + challenge * secret) % group.order)


def equal_logs_proof_holds(
    proof: ChaumPedersenProof,
    y1: Element,
    g2: Element,
    y2: Element,
    domain: str,
    statement: dict[str, object],
) -> bool:
    """Check a `prove_equal_logs` proof: the challenge and both equations (g1 = generator)."""
    group = y1.group
    expected = fiat_shamir_challenge(
        group, domain, {**statement, "a": proof.a.hex(), "b": proof.b.hex()}
    )
    return proof.challenge == expected and proof.holds_for(y1, g2, y2)


@dataclass(frozen=True)
class SchnorrProof:
    """Proof of knowledge of x with y = x*g: commitment t = w*g, response z = w + c*x."""

    commitment: Element
    challenge: int
    response: int

    def __post_init__(self) -> None:
        if not isinstance(self.commitment, Element):
            raise CryptoError("schnorr proof: commitment must be a group element")
        group = self.commitment.group
        group.check_scalar(self.challenge, "schnorr proof challenge")
        group.check_scalar(self.response, "schnorr proof response")

    def to_dict(self) -> dict[str, str]:
        group = self.commitment.group
        return {
            "commitment": self.commitment.hex(),
            "challenge": group.scalar_hex(self.challenge),
            "response": group.scalar_hex(self.response),
        }

    @classmethod
    def from_dict(cls, group: Group, data: object, what: str) -> "SchnorrProof":
        group = require_group(group)
        fields = expect_object(data, {"commitment", "challenge", "response"}, what)
        return cls(
            group.element_from_hex(fields["commitment"], f"{what} commitment"),
            group.scalar_from_hex(fields["challenge"], f"{what} challenge"),
            group.scalar_from_hex(fields["response"], f"{what} response"),
        )


def prove_knowledge(
    secret: int, group: Group, domain: str, statement: dict[str, object]
) -> SchnorrProof:
    """Prove knowledge of `secret` for secret*g; `statement` must name that point."""
    nonce = group.random_scalar()
    commitment = group.mul_base(nonce)
    challenge = fiat_shamir_challenge(group, domain, {**statement, "commitment": commitment.hex()})
    return SchnorrProof(commitment, challenge, (nonce + challenge * secret) % group.order)


def knowledge_proof_holds(
    proof: SchnorrProof, public: Element, domain: str, statement: dict[str, object]
) -> bool:
    group = public.group
    expected = fiat_shamir_challenge(
        group, domain, {**statement, "commitment": proof.commitment.hex()}
    )
    return proof.challenge == expected and group.mul_base(proof.response) == (
        proof.commitment + public * proof.challenge
    )
