"""An insecure Schnorr group for tests: the subgroup of 63-bit prime order q of Z_p*, for a
95-bit prime p.

It is fast and completely insecure (discrete logs are easy); tests use it for the heavy
property runs, and the verifier refuses a record that names it. An element is its 12-byte
big-endian residue, a scalar 8 big-endian bytes.
"""

from collections.abc import Sequence

from evcrypto.errors import CryptoError
from evcrypto.group import Element, Group, register_group

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


TEST_GROUP = register_group(TestGroup())
