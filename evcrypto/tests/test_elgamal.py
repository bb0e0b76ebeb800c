"""Exponential ElGamal: decryption inverts encryption, and ciphertexts add like plaintexts."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evcrypto import (
    SECP256K1,
    TEST_GROUP,
    CryptoError,
    ElectionPublicKey,
    Group,
    decrypt,
    discrete_log,
    encrypt,
)

SECRET = 0x5EC12E7


def key_for(group: Group) -> ElectionPublicKey:
    return ElectionPublicKey(group, group.mul_base(SECRET))


@given(message=st.integers(min_value=0, max_value=100_000))
def test_decrypting_an_encryption_gives_back_the_message(message: int) -> None:
    ciphertext = encrypt(key_for(TEST_GROUP), message)
    assert decrypt(SECRET, ciphertext, bound=100_000) == message


@settings(max_examples=10)
@given(message=st.integers(min_value=0, max_value=10_000))
def test_decrypting_an_encryption_gives_back_the_message_on_secp256k1(message: int) -> None:
    ciphertext = encrypt(key_for(SECP256K1), message)
    assert decrypt(SECRET, ciphertext, bound=10_000) == message


@pytest.mark.parametrize("group", [TEST_GROUP, SECP256K1], ids=["test-group", "secp256k1"])
@settings(max_examples=10)
@given(messages=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=20))
def test_the_sum_of_ciphertexts_encrypts_the_sum_of_messages(
    group: Group, messages: list[int]
) -> None:
    key = key_for(group)
    ciphertexts = [encrypt(key, m) for m in messages]
    total = ciphertexts[0]
    for ciphertext in ciphertexts[1:]:
        total = total + ciphertext
    assert decrypt(SECRET, total) == sum(messages)


def test_encryption_is_randomised() -> None:
    key = key_for(SECP256K1)
    assert encrypt(key, 1) != encrypt(key, 1)


def test_encrypting_zero_with_zero_randomness_gives_the_identity_pair() -> None:
    ciphertext = encrypt(key_for(SECP256K1), 0, randomness=0)
    assert ciphertext.alpha.is_identity and ciphertext.beta.is_identity
    assert decrypt(SECRET, ciphertext) == 0


def test_a_discrete_log_up_to_ten_million_is_found() -> None:
    assert discrete_log(SECP256K1.mul_base(10_000_000)) == 10_000_000
    assert discrete_log(SECP256K1.mul_base(9_999_999)) == 9_999_999


def test_a_discrete_log_beyond_the_bound_is_refused() -> None:
    with pytest.raises(CryptoError, match="no value in 0..100"):
        discrete_log(SECP256K1.mul_base(101), bound=100)
    with pytest.raises(CryptoError):
        discrete_log(SECP256K1.mul_base(2**40), bound=10**6)
    assert discrete_log(SECP256K1.mul_base(100), bound=100) == 100


def test_the_identity_cannot_be_a_public_key() -> None:
    with pytest.raises(CryptoError, match="identity"):
        ElectionPublicKey(SECP256K1, SECP256K1.identity())
