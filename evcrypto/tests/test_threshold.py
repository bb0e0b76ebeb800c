"""Threshold keys: any k of n trustees decrypt; k-1 cannot; a cheating trustee is caught."""

import dataclasses
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evcrypto import (
    SECP256K1,
    TEST_GROUP,
    CryptoError,
    ElectionParameters,
    TrusteeKey,
    encrypt_ballot,
    finish_key_ceremony,
    generate_election_key,
    partial_decrypt,
    run_key_ceremony,
    start_key_ceremony,
    verify_election_key,
    verify_key_share,
)
from evcrypto.encoding import sha256_hex
from evcrypto.keys import lagrange_coefficient
from evcrypto.tally import aggregate, combine_decryption

ELECTION_HASH = sha256_hex(b"threshold election")


def votes_for(election_key, choices: list[list[int]]):  # type: ignore[no-untyped-def]
    candidates = tuple(f"candidate {j}" for j in range(len(choices[0])))
    parameters = ElectionParameters(
        "threshold", "Threshold election", candidates, group=election_key.group
    )
    ballots = [
        encrypt_ballot(parameters, election_key.public_key, f"voter-{i}", row)
        for i, row in enumerate(choices)
    ]
    return aggregate(ballots, len(choices[0]), election_key.group)


@settings(max_examples=6)
@given(shape=st.integers(1, 5).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_any_k_of_n_trustees_decrypt_and_k_minus_1_cannot(shape: tuple[int, int]) -> None:
    threshold, count = shape
    election_key, keys = run_key_ceremony(ELECTION_HASH, threshold, count, TEST_GROUP)
    encrypted = votes_for(election_key, [[1, 0], [1, 0], [0, 1]])
    partials = [partial_decrypt(key, encrypted, ELECTION_HASH) for key in keys]
    for subset in itertools.combinations(partials, threshold):
        tally = combine_decryption(election_key, encrypted, list(subset), ELECTION_HASH)
        assert tally.counts == (2, 1)
    for subset in itertools.combinations(partials, threshold - 1):
        with pytest.raises(CryptoError, match=f"need {threshold}"):
            combine_decryption(election_key, encrypted, list(subset), ELECTION_HASH)


def test_k_minus_1_shares_interpolate_to_a_wrong_secret() -> None:
    """Bypassing the threshold check does not help: k-1 shares give the wrong key."""
    election_key, keys = run_key_ceremony(ELECTION_HASH, 3, 5, TEST_GROUP)
    q = TEST_GROUP.order

    def interpolate(chosen: tuple[TrusteeKey, ...]) -> int:
        trustees = [key.trustee for key in chosen]
        weights = [lagrange_coefficient(TEST_GROUP, k.trustee, trustees) for k in chosen]
        return sum(k.secret * w for k, w in zip(chosen, weights, strict=True)) % q

    public = election_key.public_key.element
    for enough in itertools.combinations(keys, 3):
        assert TEST_GROUP.mul_base(interpolate(enough)) == public
    for too_few in itertools.combinations(keys, 2):
        assert TEST_GROUP.mul_base(interpolate(too_few)) != public


def test_threshold_decryption_works_on_secp256k1() -> None:
    election_key, keys = run_key_ceremony(ELECTION_HASH, 2, 3, SECP256K1)
    encrypted = votes_for(election_key, [[0, 1, 0], [0, 0, 1], [0, 1, 0]])
    partials = [partial_decrypt(key, encrypted, ELECTION_HASH) for key in (keys[2], keys[0])]
    assert combine_decryption(election_key, encrypted, partials, ELECTION_HASH).counts == (0, 2, 1)
    with pytest.raises(CryptoError, match="need 2"):
        combine_decryption(election_key, encrypted, partials[:1], ELECTION_HASH)


def test_a_single_holder_key_is_a_one_of_one_ceremony() -> None:
    election_key, key = generate_election_key(ELECTION_HASH)
    assert (election_key.threshold, election_key.trustee_count, key.trustee) == (1, 1, 1)
    assert election_key.public_key.element == SECP256K1.mul_base(key.secret)
    assert "secret" not in repr(key)


def test_the_ceremony_step_by_step_catches_a_bad_share() -> None:
    dealings = [start_key_ceremony(ELECTION_HASH, j, 2, 3, TEST_GROUP) for j in (1, 2, 3)]
    commitments = [dealing.commitment for dealing in dealings]
    shares = {dealing.trustee: dealing.share_for(2) for dealing in dealings}
    election_key, key = finish_key_ceremony(ELECTION_HASH, 2, 2, commitments, shares)
    assert election_key.verification_key(2) == TEST_GROUP.mul_base(key.secret)
    with pytest.raises(CryptoError, match="share from trustee 3 to trustee 2"):
        verify_key_share(commitments[2], 2, (shares[3] + 1) % TEST_GROUP.order)
    with pytest.raises(CryptoError, match="share from trustee 1"):
        finish_key_ceremony(ELECTION_HASH, 2, 2, commitments, {**shares, 1: shares[1] + 1})


def test_a_copied_or_altered_trustee_commitment_is_caught() -> None:
    election_key, _ = run_key_ceremony(ELECTION_HASH, 2, 3, TEST_GROUP)
    verify_election_key(election_key, ELECTION_HASH)
    with pytest.raises(CryptoError, match="trustee 1: proof of knowledge 0"):
        verify_election_key(election_key, sha256_hex(b"another election"))
    first, second, third = election_key.commitments
    copied = dataclasses.replace(second, coefficients=first.coefficients, proofs=first.proofs)
    altered = dataclasses.replace(election_key, commitments=(first, copied, third))
    with pytest.raises(CryptoError, match="trustee 2: proof of knowledge 0"):
        verify_election_key(altered, ELECTION_HASH)
