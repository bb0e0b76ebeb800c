"""Prime-order groups behind one small interface.

The ballot code only ever talks to `Group` and `Element`, so the group can change without
touching the proofs. Two implementations:

* `SECP256K1` (the default): secp256k1 through `coincurve`, which bundles Bitcoin Core's
  libsecp256k1. A point multiply costs ~21 µs here, against ~310 µs for a 2048-bit modexp with
  gmpy2, and the curve has cofactor 1, so every decoded point is in the prime-order group.
  libsecp256k1 has no value for the point at infinity, so `_SecpPoint` carries the identity
  explicitly (`_key is None`): an aggregate of zero votes and g^0 are ordinary values here.
* `TEST_GROUP`: a Schnorr subgroup of 63-bit prime order modulo a 95-bit prime. It is fast and
  completely insecure (discrete logs are easy); tests use it for the heavy property runs.

Element encodings are canonical: secp256k1 points are 33-byte SEC1 compressed points and the
identity is the single byte 0x00; test-group elements are 12-byte big-endian residues.

Timing: libsecp256k1's generator multiplication is constant-time; multiplying another point
(tweak_mul) and the fixed-base tables here are not. Secret scalars meet other points only in
a trustee's partial decryption (offline, a few times per election, no remote timing oracle)
and in the server's ballot randomness times the election key (the server sees the choices).
"""

import hashlib
import secrets
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Self

from coincurve import PublicKey

# PublicKey has no negation method; the bundled libsecp256k1 binding has one (0.3 µs, against
# ~5 µs for re-parsing a point with the other y parity).
from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT

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
        """The canonical byte encoding (see the module docstring)."""

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


# ---------------------------------------------------------------------------------------------
# secp256k1 via coincurve

_SECP_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_SECP_GENERATOR = bytes.fromhex(
    "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
)
_IDENTITY_ENCODING = b"\x00"


class _SecpPoint(Element):
    """A secp256k1 point: a coincurve PublicKey, or None for the identity."""

    __slots__ = ("_key", "_encoded", "_fixed")

    def __init__(
        self, key: PublicKey | None, encoded: bytes | None = None, fixed: bool = False
    ) -> None:
        self._key = key
        self._encoded = encoded
        self._fixed = fixed  # multiply with a precomputed table (see Secp256k1Group.fixed_base)

    @property
    def group(self) -> "Group":
        return SECP256K1

    @property
    def is_identity(self) -> bool:
        return self._key is None

    def __add__(self, other: "_SecpPoint") -> "_SecpPoint":
        if not isinstance(other, _SecpPoint):
            raise CryptoError("secp256k1: can only add secp256k1 points")
        if self._key is None:
            return other
        if other._key is None:
            return self
        return _combine([self._key, other._key])

    def __neg__(self) -> "_SecpPoint":
        if self._key is None:
            return self
        negated = ffi.new("secp256k1_pubkey *", self._key.public_key[0])
        lib.secp256k1_ec_pubkey_negate(GLOBAL_CONTEXT.ctx, negated)
        return _SecpPoint(PublicKey(negated))

    def __mul__(self, scalar: int) -> "_SecpPoint":
        scalar = _reduce(scalar)
        if scalar == 0 or self._key is None:
            return _SECP_IDENTITY
        if self._fixed:
            return _table_multiply(self, scalar)
        return _SecpPoint(self._key.multiply(scalar.to_bytes(32, "big")))

    def encode(self) -> bytes:
        if self._encoded is None:
            key = self._key
            self._encoded = _IDENTITY_ENCODING if key is None else key.format(compressed=True)
        return self._encoded

    def _same(self, other: Element) -> bool:
        assert isinstance(other, _SecpPoint)
        if self._key is None or other._key is None:
            return self._key is other._key
        cmp = lib.secp256k1_ec_pubkey_cmp(
            GLOBAL_CONTEXT.ctx, self._key.public_key, other._key.public_key
        )
        return bool(cmp == 0)


def _reduce(scalar: object) -> int:
    if isinstance(scalar, bool) or not isinstance(scalar, int):
        raise CryptoError(f"secp256k1: scalar must be an int, got {type(scalar).__name__}")
    return scalar % _SECP_ORDER


def _combine(keys: list[PublicKey]) -> _SecpPoint:
    """Sum of non-identity points in one libsecp256k1 call (~0.2 µs per point)."""
    try:
        return _SecpPoint(PublicKey.combine_keys(keys))
    except ValueError:  # libsecp256k1 refuses only a sum at infinity
        return _SECP_IDENTITY


_SECP_IDENTITY = _SecpPoint(None, _IDENTITY_ENCODING)


class Secp256k1Group(Group):
    """secp256k1 (SEC 2), the default group."""

    name = "secp256k1"
    order = _SECP_ORDER
    element_size = 33
    scalar_size = 32

    def __init__(self) -> None:
        self._generator = _SecpPoint(PublicKey(_SECP_GENERATOR), _SECP_GENERATOR)

    def generator(self) -> Element:
        return self._generator

    def identity(self) -> Element:
        return _SECP_IDENTITY

    def decode(self, data: bytes) -> Element:
        if not isinstance(data, bytes):
            raise CryptoError("secp256k1: point encoding must be bytes")
        if data == _IDENTITY_ENCODING:
            return _SECP_IDENTITY
        if len(data) != 33 or data[0] not in (2, 3):
            raise CryptoError("secp256k1: expected a 33-byte compressed point or 00")
        try:
            return _SecpPoint(PublicKey(data), data)
        except ValueError:
            raise CryptoError("secp256k1: point is not on the curve") from None

    def mul_base(self, scalar: int) -> Element:
        # ec_pubkey_create uses libsecp256k1's precomputed generator tables (~13 µs vs ~21 µs).
        scalar = _reduce(scalar)
        if scalar == 0:
            return _SECP_IDENTITY
        return _SecpPoint(PublicKey.from_valid_secret(scalar.to_bytes(32, "big")))

    def fixed_base(self, element: Element) -> Element:
        point = self.check_element(element, "fixed base")
        assert isinstance(point, _SecpPoint)
        if point._key is None:
            return point
        return _SecpPoint(point._key, point.encode(), fixed=True)

    def sum(self, elements: Iterable[Element]) -> Element:
        keys = [_secp_key(element) for element in elements]
        present = [key for key in keys if key is not None]
        if not present:
            return _SECP_IDENTITY
        if len(present) == 1:
            return _SecpPoint(present[0])
        return _combine(present)

    def multi_mul(self, terms: Sequence[tuple[Element, int]]) -> Element:
        if len(self.check_terms(terms)) < _SMALLEST_BUCKET_RUN:
            return super().multi_mul(terms)
        return _bucket_multi_mul(terms)


# Tables of d * 256**w * P (w < 32, 0 < d < 256) for the few most recent fixed bases: 8160
# points, built in ~20 ms. A multiplication then is one addition of at most 32 table points
# (~10 µs against ~21 µs). It is not constant-time; it multiplies public keys by ballot
# randomness on the server, which sees the plain choices anyway.
_FIXED_BASE_TABLES: OrderedDict[bytes, list[list[PublicKey]]] = OrderedDict()
_FIXED_BASE_TABLE_LIMIT = 8
_FIXED_BASE_LOCK = threading.Lock()  # web servers may verify ballots on several threads


def _table_multiply(point: _SecpPoint, scalar: int) -> _SecpPoint:
    table = _fixed_base_table(point)
    digits = scalar.to_bytes(32, "little")
    return _combine([row[digit] for row, digit in zip(table, digits, strict=True) if digit])


def _fixed_base_table(point: _SecpPoint) -> list[list[PublicKey]]:
    encoded = point.encode()
    with _FIXED_BASE_LOCK:
        table = _FIXED_BASE_TABLES.get(encoded)
        if table is not None:
            _FIXED_BASE_TABLES.move_to_end(encoded)
            return table
    table = _build_fixed_base_table(point)
    with _FIXED_BASE_LOCK:
        _FIXED_BASE_TABLES[encoded] = table
        if len(_FIXED_BASE_TABLES) > _FIXED_BASE_TABLE_LIMIT:
            _FIXED_BASE_TABLES.popitem(last=False)
    return table


def _build_fixed_base_table(point: _SecpPoint) -> list[list[PublicKey]]:
    assert point._key is not None
    table, base = [], point._key
    for _ in range(32):
        row = [base, base]  # row[0] is never read: zero digits are skipped
        for _ in range(2, 256):
            row.append(PublicKey.combine_keys([row[-1], base]))
        table.append(row)
        base = PublicKey.combine_keys([row[255], base])  # 256 * base
    return table


def _secp_key(element: Element) -> PublicKey | None:
    if not isinstance(element, _SecpPoint):
        raise CryptoError("secp256k1: expected a secp256k1 point")
    return element._key


# The bucket method costs ~2 ms however few terms it gets (8,192 buckets, 256 doublings).
_SMALLEST_BUCKET_RUN = 64


def _bucket_multi_mul(terms: Sequence[tuple[Element, int]]) -> Element:
    """sum(k * P) by Pippenger's bucket method, with libsecp256k1 doing every addition.

    coincurve exposes no multi-scalar multiplication, but libsecp256k1 adds a whole list of
    points in one call for well under 1 µs a point, against ~21 µs for one multiplication. So:
    1. Split each scalar into bytes (8-bit digits); negate the point instead when
       k > order/2, so that 128-bit random weights stay 16 digits long.
    2. bucket[w][d] collects the points whose digit w is d; each bucket is summed in one call.
    3. Y[8*w + j] = sum of the bucket sums of window w whose digit has bit j, one call each;
       then sum(2**e * Y[e]) by Horner's rule, one call (acc + acc + Y[e]) per bit.
    """
    buckets: list[list[object]] = [[] for _ in range(32 * 256)]
    for point, scalar in terms:
        key = _secp_key(point)
        scalar = _reduce(scalar)
        if key is None or scalar == 0:
            continue
        if scalar > _SECP_ORDER >> 1:
            scalar = _SECP_ORDER - scalar
            key = (-_SecpPoint(key))._key
            assert key is not None
        pointer = key.public_key
        for window, digit in enumerate(scalar.to_bytes((scalar.bit_length() + 7) // 8, "little")):
            if digit:
                buckets[window << 8 | digit].append(pointer)
    by_bit: list[list[object]] = [[] for _ in range(256)]
    for index, bucket in enumerate(buckets):
        if bucket:
            bucket_sum = _combine_pointers(bucket) if len(bucket) > 1 else bucket[0]
            if bucket_sum is not None:
                window, digit = index >> 8, index & 255
                for bit in range(8):
                    if digit >> bit & 1:
                        by_bit[window << 3 | bit].append(bucket_sum)
    return _horner_over_bits(by_bit)


def _horner_over_bits(by_bit: list[list[object]]) -> _SecpPoint:
    total: object = None
    for pointers in reversed(by_bit):
        parts: list[object] = [] if total is None else [total, total]
        if pointers:
            bit_sum = _combine_pointers(pointers) if len(pointers) > 1 else pointers[0]
            if bit_sum is not None:
                parts.append(bit_sum)
        if len(parts) > 1:
            total = _combine_pointers(parts)
        elif parts:
            total = parts[0]
    return _SECP_IDENTITY if total is None else _SecpPoint(PublicKey(total))


def _combine_pointers(pointers: list[object]) -> object | None:
    """Sum of raw secp256k1_pubkey pointers; None for the point at infinity."""
    result: object = ffi.new("secp256k1_pubkey *")
    if lib.secp256k1_ec_pubkey_combine(GLOBAL_CONTEXT.ctx, result, pointers, len(pointers)):
        return result
    return None


# ---------------------------------------------------------------------------------------------
# Insecure Schnorr group for tests

# q = largest prime below 2**63; p = q * 4294967236 + 1 (95-bit prime); g = 2**((p-1)/q) mod p.
_TEST_Q = 0x7FFFFFFFFFFFFFE7
_TEST_P = 0x7FFFFFE1FFFFFFE7000005DD
_TEST_G = 0x575FDABEBEFF16F79A2C5D1B


class _Residue(Element):
    """An element of the test group: an int in 1..p-1 of multiplicative order dividing q."""

    __slots__ = ("_value", "_table")

    def __init__(self, value: int, table: list[list[int]] | None = None) -> None:
        self._value = value
        self._table = table  # powers for fast fixed-base exponentiation, see _power_table

    @property
    def group(self) -> "Group":
        return TEST_GROUP

    @property
    def is_identity(self) -> bool:
        return self._value == 1

    def __add__(self, other: "_Residue") -> "_Residue":
        if not isinstance(other, _Residue):
            raise CryptoError("test group: can only add test-group elements")
        return _Residue(self._value * other._value % _TEST_P)

    def __neg__(self) -> "_Residue":
        return _Residue(pow(self._value, -1, _TEST_P))

    def __mul__(self, scalar: int) -> "_Residue":
        if isinstance(scalar, bool) or not isinstance(scalar, int):
            raise CryptoError(f"test group: scalar must be an int, got {type(scalar).__name__}")
        scalar %= _TEST_Q
        if self._table is None:
            return _Residue(pow(self._value, scalar, _TEST_P))
        result = 1
        for row, digit in zip(self._table, scalar.to_bytes(8, "little"), strict=True):
            if digit:
                result = result * row[digit] % _TEST_P
        return _Residue(result)

    def encode(self) -> bytes:
        return self._value.to_bytes(TestGroup.element_size, "big")

    def _same(self, other: Element) -> bool:
        assert isinstance(other, _Residue)
        return self._value == other._value


def _power_table(value: int) -> list[list[int]]:
    """row w, column d: value ** (d * 256**w) mod p, for the 8 bytes of a 63-bit exponent."""
    table = []
    for _ in range(8):
        row = [1]
        for _ in range(255):
            row.append(row[-1] * value % _TEST_P)
        table.append(row)
        value = row[255] * value % _TEST_P
    return table


class TestGroup(Group):
    """A 63-bit Schnorr group. INSECURE: for fast tests only, never for an election.

    Python's pow costs ~12 µs here, so fixed bases (g, the election key) use byte tables and
    multi_mul uses the bucket method; that makes it ~5x faster than secp256k1 in the tests."""

    __test__ = False  # not a pytest test class despite the name
    name = "insecure-test-group-63"
    insecure = True
    order = _TEST_Q
    element_size = 12
    scalar_size = 8

    def __init__(self) -> None:
        self._generator = _Residue(_TEST_G, _power_table(_TEST_G))
        self._tables: dict[int, list[list[int]]] = {}

    def generator(self) -> Element:
        return self._generator

    def identity(self) -> Element:
        return _Residue(1)

    def decode(self, data: bytes) -> Element:
        if not isinstance(data, bytes) or len(data) != self.element_size:
            raise CryptoError(f"test group: expected {self.element_size} bytes")
        value = int.from_bytes(data, "big")
        if not 0 < value < _TEST_P or pow(value, _TEST_Q, _TEST_P) != 1:
            raise CryptoError("test group: not an element of the subgroup")
        return _Residue(value)

    def fixed_base(self, element: Element) -> Element:
        value = _residue_value(self.check_element(element, "fixed base"))
        table = self._tables.get(value)
        if table is None:
            table = _power_table(value)
            if len(self._tables) >= 64:
                self._tables.clear()
            self._tables[value] = table
        return _Residue(value, table)

    def multi_mul(self, terms: Sequence[tuple[Element, int]]) -> Element:
        if len(self.check_terms(terms)) < 32:
            return super().multi_mul(terms)
        buckets = [1] * (8 * 256)  # bucket[w * 256 + d]: product of bases whose digit w is d
        for point, scalar in terms:
            value = _residue_value(point)
            if isinstance(scalar, bool) or not isinstance(scalar, int):
                raise CryptoError("test group: scalar must be an int")
            for window, digit in enumerate((scalar % _TEST_Q).to_bytes(8, "little")):
                if digit:
                    index = window << 8 | digit
                    buckets[index] = buckets[index] * value % _TEST_P
        total = 1
        for window in reversed(range(8)):
            total = pow(total, 256, _TEST_P)
            running = window_product = 1
            for digit in range(255, 0, -1):  # prod_d bucket[d] ** d by running products
                running = running * buckets[window << 8 | digit] % _TEST_P
                window_product = window_product * running % _TEST_P
            total = total * window_product % _TEST_P
        return _Residue(total)


def _residue_value(element: Element) -> int:
    if not isinstance(element, _Residue):
        raise CryptoError("test group: expected a test-group element")
    return element._value


SECP256K1 = Secp256k1Group()
TEST_GROUP = TestGroup()
_GROUPS: dict[str, Group] = {group.name: group for group in (SECP256K1, TEST_GROUP)}


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
