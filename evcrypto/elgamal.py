"""Exponential ElGamal: Enc(m; r) = (r*g, r*h + m*g), so ciphertexts add up to encrypted sums."""

from dataclasses import dataclass

from evcrypto.dlog import DEFAULT_BOUND, discrete_log
from evcrypto.encoding import expect_object
from evcrypto.errors import CryptoError
from evcrypto.group import Element, Group, group_named, require_group


@dataclass(frozen=True)
class ElectionPublicKey:
    """The election's encryption key h = s*g (s is never held whole with threshold keys)."""

    group: Group
    element: Element

    def __post_init__(self) -> None:
        if not isinstance(self.group, Group):
            raise CryptoError("public key: group must be a Group")
        self.group.check_element(self.element, "public key")
        if self.element.is_identity:
            raise CryptoError("public key: the identity is not a valid key")
        # Every ballot multiplies the key ~10 times: let the group precompute for it.
        object.__setattr__(self, "element", self.group.fixed_base(self.element))

    def to_dict(self) -> dict[str, str]:
        return {"group": self.group.name, "element": self.element.hex()}

    @classmethod
    def from_dict(cls, data: object) -> "ElectionPublicKey":
        fields = expect_object(data, {"group", "element"}, "public key")
        group = group_named(fields["group"])
        return cls(group, group.element_from_hex(fields["element"], "public key"))


@dataclass(frozen=True)
class Ciphertext:
    """An exponential ElGamal ciphertext: alpha = r*g, beta = r*h + m*g."""

    alpha: Element
    beta: Element

    def __post_init__(self) -> None:
        if not isinstance(self.alpha, Element):
            raise CryptoError("ciphertext: alpha must be a group element")
        self.alpha.group.check_element(self.beta, "ciphertext beta")

    @property
    def group(self) -> Group:
        return self.alpha.group

    def __add__(self, other: "Ciphertext") -> "Ciphertext":
        """The ciphertext of the sum of both plaintexts."""
        if not isinstance(other, Ciphertext):
            raise CryptoError("ciphertext: can only add ciphertexts")
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)

    def to_dict(self) -> dict[str, str]:
        return {"alpha": self.alpha.hex(), "beta": self.beta.hex()}

    @classmethod
    def from_dict(cls, group: Group, data: object, what: str = "ciphertext") -> "Ciphertext":
        group = require_group(group)
        fields = expect_object(data, {"alpha", "beta"}, what)
        return cls(
            group.element_from_hex(fields["alpha"], f"{what} alpha"),
            group.element_from_hex(fields["beta"], f"{what} beta"),
        )


def check_public_key(public_key: object) -> ElectionPublicKey:
    if not isinstance(public_key, ElectionPublicKey):
        raise CryptoError("public key: expected an ElectionPublicKey")
    return public_key


def encrypt(
    public_key: ElectionPublicKey, message: int, randomness: int | None = None
) -> Ciphertext:
    """Encrypt a small non-negative integer; `randomness` defaults to a fresh random scalar."""
    group = check_public_key(public_key).group
    if isinstance(message, bool) or not isinstance(message, int) or message < 0:
        raise CryptoError("encrypt: message must be a non-negative integer")
    r = group.random_scalar() if randomness is None else group.check_scalar(randomness, "encrypt")
    return encrypt_with(public_key, message, r)


def encrypt_with(public_key: ElectionPublicKey, message: int, randomness: int) -> Ciphertext:
    """Encryption with given, already checked inputs (the ballot code's inner loop)."""
    group = public_key.group
    beta = public_key.element * randomness
    if message:
        beta = beta + group.mul_base(message)
    return Ciphertext(group.mul_base(randomness), beta)


def decrypt(secret: int, ciphertext: Ciphertext, bound: int = DEFAULT_BOUND) -> int:
    """Decrypt with the whole secret key s: m with m*g = beta - s*alpha, m in 0..bound."""
    if not isinstance(ciphertext, Ciphertext):
        raise CryptoError("decrypt: expected a Ciphertext")
    ciphertext.group.check_scalar(secret, "decrypt secret")
    return discrete_log(ciphertext.beta - ciphertext.alpha * secret, bound)


def ciphertexts_from_list(group: Group, data: object, what: str) -> tuple[Ciphertext, ...]:
    if not isinstance(data, list):
        raise CryptoError(f"{what}: expected an array of ciphertexts")
    return tuple(Ciphertext.from_dict(group, item, f"{what} {i}") for i, item in enumerate(data))


def ciphertexts_to_list(ciphertexts: tuple[Ciphertext, ...]) -> list[dict[str, str]]:
    return [ciphertext.to_dict() for ciphertext in ciphertexts]
