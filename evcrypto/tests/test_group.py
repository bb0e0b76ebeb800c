"""The group interface: laws, canonical encodings, and the fast paths agreeing with math."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evcrypto import SECP256K1, TEST_GROUP, CryptoError, Group, group_named
from evcrypto.group import register_group
from evcrypto.testgroup import TestGroup

GROUPS = [pytest.param(TEST_GROUP, id="test-group"), pytest.param(SECP256K1, id="secp256k1")]
scalars = st.integers(min_value=-(2**300), max_value=2**300)


@pytest.mark.parametrize("group", GROUPS)
@settings(max_examples=25)
@given(a=scalars, b=scalars)
def test_scalar_multiplication_is_a_homomorphism(group: Group, a: int, b: int) -> None:
    g = group.generator()
    assert group.mul_base(a) + group.mul_base(b) == group.mul_base(a + b)
    assert g * a * b == g * (a * b % group.order)
    assert group.mul_base(a) - group.mul_base(b) == group.mul_base(a - b)
    assert -group.mul_base(a) == group.mul_base(-a)


@pytest.mark.parametrize("group", GROUPS)
def test_the_identity_is_an_ordinary_value(group: Group) -> None:
    g, zero = group.generator(), group.identity()
    assert zero.is_identity and not g.is_identity
    assert g * 0 == zero == group.mul_base(0) == group.mul_base(group.order)
    assert g + zero == g == zero + g
    assert g - g == zero and -zero == zero and zero * 5 == zero
    assert group.sum([]) == zero and group.sum([g, -g]) == zero
    assert group.decode(zero.encode()) == zero


@pytest.mark.parametrize("group", GROUPS)
@settings(max_examples=25)
@given(k=scalars)
def test_encodings_round_trip_and_are_canonical(group: Group, k: int) -> None:
    point = group.mul_base(k)
    encoded = point.encode()
    assert group.decode(encoded) == point
    assert group.element_from_hex(point.hex(), "point") == point
    assert hash(group.decode(encoded)) == hash(point)
    scalar = k % group.order
    assert group.scalar_from_hex(group.scalar_hex(scalar), "scalar") == scalar


def test_secp256k1_decoding_rejects_points_off_the_curve_and_bad_lengths() -> None:
    g = SECP256K1.generator().encode()
    not_on_curve = b"\x02" + (5).to_bytes(32, "big")  # x = 5: x^3 + 7 is not a square mod p
    field_prime = 2**256 - 2**32 - 977
    for bad in [
        b"",
        b"\x01",
        g[:-1],
        g + b"\x00",
        b"\x04" + g[1:],  # wrong prefix for 33 bytes
        not_on_curve,
        b"\x02" + field_prime.to_bytes(32, "big"),  # x not reduced
        SECP256K1.generator().encode() + bytes(32),  # 65 bytes: uncompressed is not canonical
    ]:
        with pytest.raises(CryptoError):
            SECP256K1.decode(bad)


def test_test_group_decoding_rejects_residues_outside_the_subgroup() -> None:
    p = 0x7FFFFFE1FFFFFFE7000005DD
    for value in (0, 2, p - 1, p, p + 1):
        with pytest.raises(CryptoError):
            TEST_GROUP.decode(value.to_bytes(12, "big") if value < 2**96 else b"\xff" * 12)
    with pytest.raises(CryptoError):
        TEST_GROUP.decode(b"\x01" * 11)


@pytest.mark.parametrize("group", GROUPS)
def test_hex_decoding_rejects_uppercase_short_and_out_of_range_values(group: Group) -> None:
    point_hex = group.generator().hex()
    for bad in [point_hex.upper(), point_hex[:-2], point_hex + "00", 12, None]:
        with pytest.raises(CryptoError):
            group.element_from_hex(bad, "point")
    for bad_scalar in ["ff" * group.scalar_size, "00" * (group.scalar_size - 1), "zz", 7]:
        with pytest.raises(CryptoError):
            group.scalar_from_hex(bad_scalar, "scalar")


@pytest.mark.parametrize("group", GROUPS)
@settings(max_examples=8)
@given(
    scalars=st.lists(st.integers(min_value=-(2**256), max_value=2**256), min_size=0, max_size=150),
    cancel=st.booleans(),
)
def test_the_bucket_multi_multiplication_matches_plain_multiplication(
    group: Group, scalars: list[int], cancel: bool
) -> None:
    points = [group.mul_base(i * 7919 + 1) for i in range(len(scalars))]
    terms = list(zip(points, scalars, strict=True))
    terms.append((group.identity(), 5))
    if cancel:  # points that sum to the identity inside one bucket
        first = points[0] if points else group.generator()
        terms += [(first, 3), (first, 3), (-first, 6)]
    expected = group.identity()
    for point, scalar in terms:
        expected = expected + point * scalar
    assert group.multi_mul(terms) == expected


def test_a_bucket_multi_multiplication_can_sum_to_the_identity() -> None:
    g = SECP256K1.generator()
    terms = [(g * i, 2**200 + i) for i in range(1, 80)]
    terms += [(-(g * i), 2**200 + i) for i in range(1, 80)]
    assert SECP256K1.multi_mul(terms).is_identity


@pytest.mark.parametrize("group", GROUPS)
@settings(max_examples=10)
@given(k=st.integers(min_value=-(2**256), max_value=2**256))
def test_a_fixed_base_multiplies_like_the_plain_point(group: Group, k: int) -> None:
    base = group.mul_base(123456789)
    fast = group.fixed_base(base)
    assert fast == base
    assert fast * k == base * k
    assert group.generator() * k == group.mul_base(k)


def test_hash_to_scalar_is_deterministic_and_in_range() -> None:
    for group in (TEST_GROUP, SECP256K1):
        value = group.hash_to_scalar(b"evoting")
        assert value == group.hash_to_scalar(b"evoting") != group.hash_to_scalar(b"evoting!")
        assert 0 <= value < group.order


@pytest.mark.parametrize("group", GROUPS)
def test_operations_refuse_foreign_values(group: Group) -> None:
    other = TEST_GROUP if group is SECP256K1 else SECP256K1
    g = group.generator()
    for bad in (other.generator(), 5, "02ab", None):
        with pytest.raises(CryptoError):
            g + bad  # type: ignore[operator]
    for bad_scalar in (1.5, "3", None, True):
        with pytest.raises(CryptoError):
            g * bad_scalar  # type: ignore[operator]
    with pytest.raises(CryptoError):
        group.check_element(other.generator(), "point")
    assert g != other.generator()


def test_each_group_is_found_by_its_name_and_registered_once() -> None:
    assert group_named("secp256k1") is SECP256K1
    assert group_named("insecure-test-group-63") is TEST_GROUP
    with pytest.raises(CryptoError, match="registered already"):
        register_group(TestGroup())
    assert group_named("insecure-test-group-63") is TEST_GROUP
