"""Prime-order groups behind one small interface, and the groups by name.

The ballot code only ever talks to `Group` and `Element`, so the group can change without
touching the proofs. Two implementations, each in its own module, register their one
instance here so that `group_named` finds the group an election record names:

* `evcrypto.secp256k1.SECP256K1` (the default): secp256k1 through `coincurve`.
* `evcrypto.testgroup.TEST_GROUP`: a fast, completely insecure group for the heavy property
  runs of the tests; the verifier refuses a record that names it.

`evcrypto` imports both, so both are registered whenever any part of the package is used.
Element encodings are canonical: each value has exactly one byte string (see each group's
module), and scalars are big-endian in `scalar_size` bytes.
"""

import hashlib
import secrets
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Self, TypeVar

from evcrypto.encoding import hex_bytes
from evcrypto.errors import CryptoError


class Element(ABC):
    """An immutable group element; `+`, unary `-`, `-`, `* int` and `==` work as in math."""

    __slots__ = ()

    @property
    @abstractmethod
    def group(self) -> "Group": ...

    @property
    @abstractmethod
    def is_identity(self) -> bool: ...

    @abstractmethod
    def __add__(self, other: Self) -> Self: ...

    @abstractmethod
    def __neg__(self) -> Self: ...

    @abstractmethod
    def __mul__(self, scalar: int) -> Self: ...

    @abstractmethod
    def encode(self) -> bytes:
        """The canonical byte encoding (see the group's module)."""

    def __rmul__(self, scalar: int) -> Self:
        return self * scalar

    def __sub__(self, other: Self) -> Self:
        return self + -other

    def hex(self) -> str:
        return self.encode().hex()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Element) and self.group is other.group and self._same(other)

    def _same(self, other: "Element") -> bool:
        return self.encode() == other.encode()

    def __hash__(self) -> int:
        return hash(self.encode())

    def __repr__(self) -> str:
        return f"<{self.group.name} {self.hex()}>"


class Group(ABC):
    """A cyclic group of prime order `order` with a fixed generator."""

    name: str
    order: int
    element_size: int  # bytes in a canonical non-identity encoding
    scalar_size: int  # bytes in a canonical scalar encoding
    insecure: bool = False  # True only for the test group: the verifier refuses such records

    @abstractmethod
    def generator(self) -> Element: ...

    @abstractmethod
    def identity(self) -> Element: ...

    @abstractmethod
    def decode(self, data: bytes) -> Element:
        """Decode a canonical encoding; CryptoError if it is not an element of this group."""

    def mul_base(self, scalar: int) -> Element:
        """scalar * generator; groups override this with a faster fixed-base method."""
        return self.generator() * scalar

    def fixed_base(self, element: Element) -> Element:
        """An equal element that multiplies faster, for a base used many times (the election
        public key). The default is the element itself."""
        return self.check_element(element, "fixed base")

    def sum(self, elements: Iterable[Element]) -> Element:
        """The sum of `elements` (the identity for none)."""
        total = self.identity()
        for element in elements:
            total = total + element
        return total

    def multi_mul(self, terms: Sequence[tuple[Element, int]]) -> Element:
        """sum(k * P for P, k in terms); groups override this with a bucket method."""
        return self.sum(point * scalar for point, scalar in self.check_terms(terms))

    def check_terms(self, terms: object) -> Sequence[tuple[Element, int]]:
        """`terms` if it is a sequence of (element of this group, int) pairs."""
        if not isinstance(terms, Sequence):
            raise CryptoError("multi_mul: terms must be a sequence of (element, scalar)")
        for term in terms:
            if not isinstance(term, tuple) or len(term) != 2:
                raise CryptoError("multi_mul: every term must be an (element, scalar) pair")
            self.check_element(term[0], "multi_mul element")
            if isinstance(term[1], bool) or not isinstance(term[1], int):
                raise CryptoError("multi_mul: scalars must be integers")
        return terms

    def random_scalar(self) -> int:
        """A uniformly random non-zero scalar from the OS's CSPRNG."""
        return secrets.randbelow(self.order - 1) + 1

    def hash_to_scalar(self, data: bytes) -> int:
        """SHA-256 of `data` reduced mod the order (bias below 2**-128 on secp256k1)."""
        digest = hashlib.sha256(data).digest()
        return int.from_bytes(digest, "big") % self.order

    def check_scalar(self, value: object, what: str) -> int:
        """Return `value` if it is an int in 0..order-1; CryptoError otherwise."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise CryptoError(f"{what}: expected an integer scalar, got {type(value).__name__}")
        if not 0 <= value < self.order:
            raise CryptoError(f"{what}: scalar out of range 0..order-1")
        return value

    def check_element(self, value: object, what: str) -> Element:
        """Return `value` if it is an element of this group; CryptoError otherwise."""
        if not isinstance(value, Element) or value.group is not self:
            raise CryptoError(f"{what}: expected an element of {self.name}")
        return value

    def scalar_hex(self, scalar: int) -> str:
        return self.check_scalar(scalar, "scalar").to_bytes(self.scalar_size, "big").hex()

    def scalar_from_hex(self, text: object, what: str) -> int:
        value = int.from_bytes(hex_bytes(text, self.scalar_size, what), "big")
        if value >= self.order:
            raise CryptoError(f"{what}: scalar out of range 0..order-1")
        return value

    def element_from_hex(self, text: object, what: str) -> Element:
        if not isinstance(text, str):
            raise CryptoError(f"{what}: expected a hex string, got {type(text).__name__}")
        length = 1 if len(text) == 2 else self.element_size
        try:
            return self.decode(hex_bytes(text, length, what))
        except CryptoError as error:
            raise CryptoError(f"{what}: {error}") from None

    def __repr__(self) -> str:
        return f"<group {self.name}>"


_SomeGroup = TypeVar("_SomeGroup", bound=Group)
_GROUPS: dict[str, Group] = {}


def register_group(group: _SomeGroup) -> _SomeGroup:
    """Make `group` known to `group_named` by its name; returns it."""
    if group.name in _GROUPS:
        raise CryptoError(f"group: {group.name!r} is registered already")
    _GROUPS[group.name] = group
    return group


def require_group(value: object) -> Group:
    """`value` if it is a Group; CryptoError otherwise."""
    if not isinstance(value, Group):
        raise CryptoError("group: expected a Group such as SECP256K1")
    return value


def group_named(name: object) -> Group:
    """The group with this name (as written in an election record); CryptoError if unknown."""
    if not isinstance(name, str) or name not in _GROUPS:
        raise CryptoError(f"group: unknown group {name!r}")
    return _GROUPS[name]
