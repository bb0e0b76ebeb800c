"""Spoiled ballots (the Benaloh challenge): revealed randomness re-creates the ciphertexts for
the claimed choice, and any other randomness, choice or election is refused, naming it."""

import dataclasses
import shutil
from pathlib import Path

import pytest

from evcrypto import (
    CryptoError,
    SpoiledBallot,
    decode_revealed,
    encrypt_ballot,
    spoilable_ballot,
    verify_ballot,
    verify_spoiled_ballot,
)
from evcrypto.tests.conftest import ALICE, BOB, Election
from evcrypto.tests.make_vectors import SPOILED
from evcrypto.tests.test_verifier import VECTORS, failed_checks, load, other_digit, save
from evcrypto.verify import main, verify_record


def test_a_spoilable_ballot_is_an_ordinary_valid_ballot(any_election: Election) -> None:
    e = any_election
    spoiled = spoilable_ballot(e.parameters, e.public_key, ALICE, [0, 1, 0])
    verify_ballot(e.parameters, e.public_key, ALICE, spoiled.ballot)
    verify_spoiled_ballot(e.parameters, e.public_key, spoiled, ALICE)


def test_the_randomness_decodes_the_encrypted_choice(any_election: Election) -> None:
    e = any_election
    spoiled = spoilable_ballot(e.parameters, e.public_key, ALICE, [0, 0, 1])
    assert decode_revealed(e.public_key, spoiled.ballot, spoiled.randomness) == (0, 0, 1)


def test_another_claimed_choice_is_refused_naming_the_selection(secp_election: Election) -> None:
    e = secp_election
    spoiled = spoilable_ballot(e.parameters, e.public_key, ALICE, [0, 1, 0])
    claimed = dataclasses.replace(spoiled, choices=(1, 0, 0))
    with pytest.raises(CryptoError, match=r"selection 0 \(candidate 0\): the choice says 1"):
        verify_spoiled_ballot(e.parameters, e.public_key, claimed)


def test_other_randomness_is_refused_naming_the_selection(secp_election: Election) -> None:
    e = secp_election
    spoiled = spoilable_ballot(e.parameters, e.public_key, ALICE, [0, 1, 0])
    randomness = list(spoiled.randomness)
    randomness[2] = (randomness[2] + 1) % e.group.order
    changed = dataclasses.replace(spoiled, randomness=tuple(randomness))
    with pytest.raises(CryptoError, match=r"selection 2 \(candidate 2\): the revealed randomness"):
        verify_spoiled_ballot(e.parameters, e.public_key, changed)


def test_a_choice_outside_the_selection_limits_is_refused(secp_election: Election) -> None:
    e = secp_election
    spoiled = spoilable_ballot(e.parameters, e.public_key, ALICE, [0, 1, 0])
    with pytest.raises(CryptoError, match="2 selections outside 1..1"):
        verify_spoiled_ballot(
            e.parameters, e.public_key, dataclasses.replace(spoiled, choices=(1, 1, 0))
        )
    with pytest.raises(CryptoError, match="choice must be the integer 0 or 1"):
        dataclasses.replace(spoiled, choices=(0, 2, 0))


def test_another_voters_or_elections_ballot_is_refused(secp_election: Election) -> None:
    e = secp_election
    spoiled = spoilable_ballot(e.parameters, e.public_key, ALICE, [0, 1, 0])
    with pytest.raises(CryptoError, match="another voter pseudonym"):
        verify_spoiled_ballot(e.parameters, e.public_key, spoiled, BOB)
    other = dataclasses.replace(e.parameters, election_id="another-election")
    elsewhere = spoilable_ballot(other, e.public_key, ALICE, [0, 1, 0])
    with pytest.raises(CryptoError, match="another election"):
        verify_spoiled_ballot(e.parameters, e.public_key, elsewhere)


def test_randomness_of_a_cast_ballot_is_not_known_so_an_ordinary_ballot_cannot_be_opened(
    secp_election: Election,
) -> None:
    e = secp_election
    ballot = encrypt_ballot(e.parameters, e.public_key, ALICE, [0, 1, 0])
    guessed = tuple(e.group.random_scalar() for _ in range(3))
    with pytest.raises(CryptoError, match="selection 0: the revealed randomness"):
        decode_revealed(e.public_key, ballot, guessed)


def test_the_record_form_round_trips(secp_election: Election) -> None:
    e = secp_election
    spoiled = spoilable_ballot(e.parameters, e.public_key, ALICE, [1, 0, 0])
    assert SpoiledBallot.from_dict(spoiled.to_dict(), e.group) == spoiled
    entry = spoiled.to_dict()
    entry["tracker"] = "00" * 32
    with pytest.raises(CryptoError, match="is not the hash of the ballot"):
        SpoiledBallot.from_dict(entry, e.group)


# --- the verifier on a record with spoiled ballots


@pytest.fixture
def record_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "record"
    shutil.copytree(VECTORS, copy)
    return copy


def test_the_vectors_hold_spoiled_ballots_and_pass() -> None:
    spoiled = load(VECTORS, "spoiled.json")["spoiled"]
    assert [entry["choice"].index(1) for entry in spoiled] == [c for _, c in SPOILED]
    results = {result.name: result for result in verify_record(VECTORS)}
    assert results["spoiled ballots"].passed, results["spoiled ballots"].line()


def test_altered_randomness_fails_naming_the_spoiled_ballot(record_copy: Path) -> None:
    listing = load(record_copy, "spoiled.json")
    entry = listing["spoiled"][1]
    entry["randomness"][1] = other_digit(entry["randomness"][1])
    save(record_copy, "spoiled.json", listing)
    results = {result.name: result for result in verify_record(record_copy)}
    assert failed_checks(record_copy) == ["spoiled ballots"]
    assert f"spoiled ballot {entry['tracker']}: selection 1" in results["spoiled ballots"].detail
    assert main([str(record_copy)]) == 1


def test_an_altered_choice_fails_naming_the_spoiled_ballot(record_copy: Path) -> None:
    listing = load(record_copy, "spoiled.json")
    entry = listing["spoiled"][0]
    entry["choice"] = [1, 0, 0]  # it encrypts Linus Torvalds (2)
    save(record_copy, "spoiled.json", listing)
    results = {result.name: result for result in verify_record(record_copy)}
    assert failed_checks(record_copy) == ["spoiled ballots"]
    detail = results["spoiled ballots"].detail
    assert f"spoiled ballot {entry['tracker']}:" in detail
    assert "the choice says 1, the ciphertext encrypts 0" in detail


def test_a_spoiled_ballot_also_cast_fails(record_copy: Path) -> None:
    spoiled = load(record_copy, "spoiled.json")
    ballots = load(record_copy, "ballots.json")
    spoiled["spoiled"].append(
        {**spoiled["spoiled"][0], "tracker": ballots["ballots"][0]["tracker"]}
    )
    save(record_copy, "spoiled.json", spoiled)
    assert failed_checks(record_copy) == ["spoiled ballots"]
