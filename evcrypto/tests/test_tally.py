"""Tallies: random elections count exactly what was cast, and the decryption is proven."""

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evcrypto import (
    TEST_GROUP,
    Ballot,
    CryptoError,
    aggregate,
    ballot_to_json,
    combine_decryption,
    decrypt_tally,
    encrypt_ballot,
    partial_decrypt,
    verified_aggregate,
    verify_ballots,
    verify_decryption,
)
from evcrypto.tests.conftest import Election, make_election
from evcrypto.tests.forgery import forge_ballot


def plain_and_encrypted(
    election: Election, rows: list[list[int]], low: int, high: int
) -> list[Ballot]:
    parameters = dataclasses.replace(election.parameters, min_selections=low, max_selections=high)
    return [
        encrypt_ballot(parameters, election.public_key, f"voter-{i}", row)
        for i, row in enumerate(rows)
    ]


def one_of(candidates: int, choice: int) -> list[int]:
    return [int(j == choice) for j in range(candidates)]


def column_sums(rows: list[list[int]], candidates: int) -> tuple[int, ...]:
    return tuple(sum(row[j] for row in rows) for j in range(candidates))


@settings(max_examples=4)
@given(
    candidates=st.integers(1, 50),
    ballots=st.integers(0, 2000),
    seed=st.integers(0, 2**32),
    approval=st.booleans(),
)
def test_random_elections_tally_to_the_plain_count(
    candidates: int, ballots: int, seed: int, approval: bool
) -> None:
    rng = random.Random(seed)
    election = make_election(TEST_GROUP, candidates, threshold=1, trustees=1)
    low, high = (0, candidates) if approval else (1, 1)
    if approval:
        rows = [[rng.randint(0, 1) for _ in range(candidates)] for _ in range(ballots)]
    else:
        rows = [one_of(candidates, rng.randrange(candidates)) for _ in range(ballots)]
    cast = plain_and_encrypted(election, rows, low, high)
    encrypted = aggregate(cast, candidates, TEST_GROUP)
    tally = decrypt_tally(
        election.election_key, election.trustee_keys, encrypted, election.election_hash
    )
    assert tally.counts == column_sums(rows, candidates)
    assert encrypted.ballot_count == ballots


def test_the_largest_election_tallies_and_verifies() -> None:
    """50 candidates, 2,000 ballots, 2-of-3 trustees, every proof checked."""
    rng = random.Random(2000)
    election = make_election(TEST_GROUP, 50)
    rows = [one_of(50, rng.randrange(50)) for _ in range(2000)]
    cast = plain_and_encrypted(election, rows, 1, 1)
    verify_ballots(election.public_key, election.election_hash, cast, 50)
    encrypted = aggregate(cast, 50, TEST_GROUP)
    tally = decrypt_tally(
        election.election_key, election.trustee_keys[1:], encrypted, election.election_hash
    )
    assert tally.counts == column_sums(rows, 50)
    verify_decryption(election.election_key, encrypted, tally, election.election_hash)


def test_a_secp256k1_election_tallies_and_its_decryption_verifies(secp_election: Election) -> None:
    rows = [[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]]
    cast = plain_and_encrypted(secp_election, rows, 1, 1)
    encrypted = aggregate(cast, 3, secp_election.group)
    tally = decrypt_tally(
        secp_election.election_key,
        secp_election.trustee_keys[:2],
        encrypted,
        secp_election.election_hash,
    )
    assert tally.counts == (1, 3, 1)
    verify_decryption(secp_election.election_key, encrypted, tally, secp_election.election_hash)


def test_an_election_without_ballots_tallies_to_zero(any_election: Election) -> None:
    encrypted = aggregate([], 3, any_election.group)
    assert all(c.alpha.is_identity and c.beta.is_identity for c in encrypted.ciphertexts)
    tally = decrypt_tally(
        any_election.election_key, any_election.trustee_keys, encrypted, any_election.election_hash
    )
    assert tally.counts == (0, 0, 0)
    verify_decryption(any_election.election_key, encrypted, tally, any_election.election_hash)


def test_a_wrong_count_or_a_tampered_share_is_caught(any_election: Election) -> None:
    election = any_election
    cast = plain_and_encrypted(election, [[0, 0, 1], [0, 1, 0]], 1, 1)
    encrypted = aggregate(cast, 3, election.group)
    tally = decrypt_tally(
        election.election_key, election.trustee_keys, encrypted, election.election_hash
    )
    inflated = dataclasses.replace(tally, counts=(0, 1, 2))
    with pytest.raises(CryptoError, match="count 2 for candidate 2"):
        verify_decryption(election.election_key, encrypted, inflated, election.election_hash)
    first = tally.partial_decryptions[0]
    g = election.group.generator()
    bad_share = dataclasses.replace(first, factors=(first.factors[0] + g, *first.factors[1:]))
    with pytest.raises(CryptoError, match="trustee 1: decryption proof for candidate 0"):
        combine_decryption(
            election.election_key,
            encrypted,
            [bad_share, *tally.partial_decryptions[1:]],
            election.election_hash,
        )


def test_a_share_for_another_aggregate_is_caught(small_election: Election) -> None:
    election = small_election
    cast = plain_and_encrypted(election, [[0, 0, 1], [0, 1, 0]], 1, 1)
    first, second = aggregate(cast[:1], 3, TEST_GROUP), aggregate(cast, 3, TEST_GROUP)
    stale = partial_decrypt(election.trustee_keys[0], first, election.election_hash)
    fresh = partial_decrypt(election.trustee_keys[1], second, election.election_hash)
    with pytest.raises(CryptoError, match="trustee 1"):
        combine_decryption(election.election_key, second, [stale, fresh], election.election_hash)


def chain_ballots(election: Election) -> list[tuple[bytes, str]]:
    """Three ballots as a tally reads them off the chain: (canonical JSON, voter)."""
    ballots = plain_and_encrypted(election, [one_of(3, 0), one_of(3, 1), one_of(3, 2)], 1, 1)
    return [(ballot_to_json(b), b.voter) for b in ballots]


def test_the_verified_aggregate_of_chain_ballots_is_their_sum(small_election: Election) -> None:
    ballots = chain_ballots(small_election)
    total = verified_aggregate(small_election.parameters, small_election.public_key, ballots)
    tally = decrypt_tally(
        small_election.election_key,
        small_election.trustee_keys,
        total,
        small_election.election_hash,
    )
    assert tally.counts == (1, 1, 1)


def test_a_ballot_copied_under_another_voters_transaction_is_refused(
    small_election: Election,
) -> None:
    ballots = chain_ballots(small_election)
    copied = ballots + [(ballots[0][0], "an abstainer")]
    with pytest.raises(CryptoError, match="ballot 3: names voter voter-0, cast as an abstainer"):
        verified_aggregate(small_election.parameters, small_election.public_key, copied)


def test_a_ballot_respelled_to_get_a_new_tracker_is_refused(small_election: Election) -> None:
    ballots = chain_ballots(small_election)
    respelled = (ballots[0][0].replace(b":", b": ", 1), ballots[0][1])
    with pytest.raises(CryptoError, match="ballot 0: not in canonical form"):
        verified_aggregate(small_election.parameters, small_election.public_key, [respelled])


def test_the_same_ciphertext_twice_is_refused(small_election: Election) -> None:
    ballots = chain_ballots(small_election)
    with pytest.raises(CryptoError, match="ballot 1: a copy of an earlier ballot"):
        verified_aggregate(
            small_election.parameters, small_election.public_key, [ballots[0], ballots[0]]
        )


def test_the_verified_aggregate_reports_each_chunk_and_names_a_bad_ballot_by_its_position(
    small_election: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("evcrypto.tally.AGGREGATE_CHUNK", 2)
    rows = [one_of(3, i % 3) for i in range(5)]
    ballots = [
        (ballot_to_json(b), b.voter) for b in plain_and_encrypted(small_election, rows, 1, 1)
    ]
    heard: list[int] = []
    total = verified_aggregate(
        small_election.parameters, small_election.public_key, ballots, on_progress=heard.append
    )
    assert heard == [2, 2, 1]
    assert total.ballot_count == 5
    forged = forge_ballot(
        small_election.parameters, small_election.public_key, "voter-x", [2, 0, 0]
    )
    heard.clear()
    with pytest.raises(CryptoError, match="ballot 3: "):
        verified_aggregate(
            small_election.parameters,
            small_election.public_key,
            [*ballots[:3], (ballot_to_json(forged), forged.voter), ballots[3]],
            on_progress=heard.append,
        )
    assert heard == [2]  # the first chunk checked out; the second holds the forgery
