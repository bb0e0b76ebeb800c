"""secp256k1 (SEC 2), the default group, through `coincurve`.

coincurve bundles Bitcoin Core's libsecp256k1. A point multiply costs ~21 µs here, against
~310 µs for a 2048-bit modexp with gmpy2, and the curve has cofactor 1, so every decoded point
is in the prime-order group. libsecp256k1 has no value for the point at infinity, so
`_SecpPoint` carries the identity explicitly (`_key is None`): an aggregate of zero votes and
g^0 are ordinary values here.

Encodings: a point is its 33-byte SEC1 compressed form, and the identity is the single byte
0x00; a scalar is 32 big-endian bytes.

Timing: libsecp256k1's generator multiplication is constant-time; multiplying another point
(tweak_mul) and the fixed-base tables here are not. Secret scalars meet other points only in
a trustee's partial decryption (offline, a few times per election, no remote timing oracle)
and in the server's ballot randomness times the election key (the server sees the choices).
"""

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from coincurve import PublicKey

# PublicKey has no negation method; the bundled libsecp256k1 binding has one (0.3 µs, against
# ~5 µs for re-parsing a point with the other y parity).
from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT

from evcrypto.errors import CryptoError
from evcrypto.group import Element, Group, register_group

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


SECP256K1 = register_group(Secp256k1Group())
