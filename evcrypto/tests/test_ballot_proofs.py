"""Ballot proofs: honest ballots verify; every way of cheating or tampering is caught."""

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evcrypto import (
    Ballot,
    CryptoError,
    ElectionParameters,
    ballot_from_json,
    ballot_to_json,
    ballot_tracker,
    encrypt_ballot,
    verify_ballot,
    verify_ballots,
)
from evcrypto.encoding import sha256_hex
from evcrypto.tests.conftest import ALICE, BOB, Election
from evcrypto.tests.forgery import forge_ballot


def rules(
    election: Election, candidates: int = 3, low: int = 1, high: int = 1
) -> ElectionParameters:
    """The election's parameters with `candidates` candidates and selections low..high (with
    3 and 1..1, the election's own)."""
    return dataclasses.replace(
        election.parameters,
        candidates=tuple(f"candidate {i}" for i in range(candidates)),
        min_selections=low,
        max_selections=high,
    )


def cast(
    election: Election, choices: list[int], voter: str = ALICE, low: int = 1, high: int = 1
) -> Ballot:
    return encrypt_ballot(
        rules(election, len(choices), low, high), election.public_key, voter, choices
    )


def check(
    election: Election, ballot: Ballot, voter: str = ALICE, low: int = 1, high: int = 1
) -> None:
    parameters = rules(election, len(ballot.selections), low, high)
    verify_ballot(parameters, election.public_key, voter, ballot)


@st.composite
def ballot_rules(draw: st.DrawFn, max_candidates: int = 8) -> tuple[list[int], int, int]:
    """Choices with selection limits that allow them."""
    choices = draw(st.lists(st.integers(0, 1), min_size=1, max_size=max_candidates))
    low = draw(st.integers(0, sum(choices)))
    high = draw(st.integers(sum(choices), len(choices)))
    return choices, low, high


@given(rules=ballot_rules())
def test_honest_ballots_verify(small_election: Election, rules: tuple[list[int], int, int]) -> None:
    choices, low, high = rules
    check(small_election, cast(small_election, choices, low=low, high=high), low=low, high=high)


@settings(max_examples=15)
@given(rules=ballot_rules(max_candidates=5))
def test_honest_ballots_verify_on_secp256k1(
    secp_election: Election, rules: tuple[list[int], int, int]
) -> None:
    choices, low, high = rules
    check(secp_election, cast(secp_election, choices, low=low, high=high), low=low, high=high)


@pytest.mark.parametrize(
    "values",
    [[2, 0, 0], [-1, 1, 1], [1, 1, 0], [0, 0, 0], [2, -1, 0], [1, 1, 1]],
    ids=["a-2", "a-minus-1", "two-1s", "no-vote", "2-and-minus-1", "three-1s"],
)
def test_ballots_encrypting_values_outside_the_rules_fail(
    any_election: Election, values: list[int]
) -> None:
    forged = forge_ballot(any_election.parameters, any_election.public_key, ALICE, values)
    with pytest.raises(CryptoError, match="challenges do not match"):
        check(any_election, forged)


def test_the_forger_builds_valid_ballots_when_it_does_not_cheat(small_election: Election) -> None:
    honest = forge_ballot(small_election.parameters, small_election.public_key, ALICE, [0, 1, 0])
    check(small_election, honest)


@given(values=st.lists(st.integers(-3, 3), min_size=1, max_size=6))
def test_forged_ballots_fail_unless_they_follow_the_rules(
    small_election: Election, values: list[int]
) -> None:
    parameters = rules(small_election, len(values), 0, len(values))
    forged = forge_ballot(parameters, small_election.public_key, ALICE, values)
    if all(v in (0, 1) for v in values):
        check(small_election, forged, low=0, high=len(values))
    else:
        with pytest.raises(CryptoError):
            check(small_election, forged, low=0, high=len(values))


def test_a_ballot_relabelled_with_another_voters_pseudonym_fails(any_election: Election) -> None:
    ballot = cast(any_election, [0, 0, 1])
    relabelled = dataclasses.replace(ballot, voter=BOB)
    with pytest.raises(CryptoError, match="challenges do not match"):
        check(any_election, relabelled, voter=BOB)
    with pytest.raises(CryptoError, match="another voter"):
        check(any_election, ballot, voter=BOB)


def test_a_ballot_for_another_election_fails(any_election: Election) -> None:
    ballot = cast(any_election, [0, 0, 1])
    other = dataclasses.replace(any_election.parameters, election_id="another election")
    with pytest.raises(CryptoError, match="another election"):
        verify_ballot(other, any_election.public_key, ALICE, ballot)
    moved = dataclasses.replace(ballot, election_hash=other.election_hash)
    with pytest.raises(CryptoError, match="challenges do not match"):
        verify_ballot(other, any_election.public_key, ALICE, moved)


def test_a_ballot_checked_against_other_selection_limits_fails(any_election: Election) -> None:
    """Other limits make another election hash: the ballot is relabelled to reach the check."""
    ballot = cast(any_election, [0, 1, 1], low=0, high=2)
    with pytest.raises(CryptoError, match="another election"):
        check(any_election, ballot, low=1, high=2)
    narrower = rules(any_election, 3, 1, 2)
    relabelled = dataclasses.replace(ballot, election_hash=narrower.election_hash)
    with pytest.raises(CryptoError, match="count proof"):
        verify_ballot(narrower, any_election.public_key, ALICE, relabelled)
    wider = rules(any_election, 4, 0, 2)
    relabelled = dataclasses.replace(ballot, election_hash=wider.election_hash)
    with pytest.raises(CryptoError, match="3 selections for 4 candidates"):
        verify_ballot(wider, any_election.public_key, ALICE, relabelled)


def tampered_copies(ballot: Ballot) -> dict[str, Ballot]:
    """One copy per kind of tampering: a ciphertext, a commitment, a challenge, a response."""
    group = ballot.group
    selection = ballot.selections[1]
    branch = selection.proof[0]
    g = group.generator()

    def with_selection(**changes: object) -> Ballot:
        changed = dataclasses.replace(selection, **changes)  # type: ignore[arg-type]
        return dataclasses.replace(
            ballot, selections=(ballot.selections[0], changed, *ballot.selections[2:])
        )

    def with_branch(**changes: object) -> Ballot:
        return with_selection(proof=(dataclasses.replace(branch, **changes), selection.proof[1]))  # type: ignore[arg-type]

    ciphertext = selection.ciphertext
    count_branch = ballot.count_proof[0]
    return {
        "ciphertext alpha": with_selection(
            ciphertext=dataclasses.replace(ciphertext, alpha=ciphertext.alpha + g)
        ),
        "ciphertext alpha at infinity": with_selection(
            ciphertext=dataclasses.replace(ciphertext, alpha=group.identity())
        ),
        "ciphertext beta": with_selection(
            ciphertext=dataclasses.replace(ciphertext, beta=ciphertext.beta + g)
        ),
        "commitment a": with_branch(a=branch.a + g),
        "commitment b": with_branch(b=branch.b + g),
        "challenge": with_branch(challenge=(branch.challenge + 1) % group.order),
        "response": with_branch(response=(branch.response + 1) % group.order),
        "count response": dataclasses.replace(
            ballot,
            count_proof=(dataclasses.replace(count_branch, response=count_branch.response + 1),),
        ),
        "swapped selections": dataclasses.replace(
            ballot, selections=(ballot.selections[1], ballot.selections[0], *ballot.selections[2:])
        ),
    }


def test_each_kind_of_tampering_makes_the_ballot_fail(any_election: Election) -> None:
    ballot = cast(any_election, [0, 1, 0])
    for kind, tampered in tampered_copies(ballot).items():
        with pytest.raises(CryptoError, match="ballot proofs"):
            check(any_election, tampered)
        assert ballot_tracker(tampered) != ballot_tracker(ballot), kind


def test_a_ballot_survives_its_canonical_json_and_keeps_its_tracker(any_election: Election) -> None:
    ballot = cast(any_election, [1, 0, 0])
    data = ballot_to_json(ballot)
    again = ballot_from_json(data, any_election.group)
    assert again == ballot
    assert ballot_to_json(again) == data
    assert ballot_tracker(again) == ballot_tracker(ballot) == sha256_hex(data)
    check(any_election, again)


def test_batch_verification_accepts_what_single_verification_accepts(
    any_election: Election,
) -> None:
    ballots = [
        cast(any_election, [int(i % 3 == j) for j in range(3)], voter=f"voter-{i}")
        for i in range(60)
    ]
    verify_ballots(any_election.public_key, any_election.election_hash, ballots, 3)
    verify_ballots(any_election.public_key, any_election.election_hash, [], 3)


@pytest.mark.parametrize("count", [5, 60])  # the plain path and the batch path
def test_batch_verification_names_the_bad_ballot(any_election: Election, count: int) -> None:
    ballots = [cast(any_election, [0, 0, 1], voter=f"voter-{i}") for i in range(count)]
    for kind, tampered in tampered_copies(ballots[3]).items():
        mixed = [*ballots[:3], tampered, *ballots[4:]]
        with pytest.raises(CryptoError, match="^ballot 3: "):
            verify_ballots(any_election.public_key, any_election.election_hash, mixed, 3)
        assert kind


def test_batch_verification_catches_a_forged_ballot_among_many(secp_election: Election) -> None:
    ballots = [cast(secp_election, [1, 0, 0], voter=f"voter-{i}") for i in range(50)]
    forged = forge_ballot(secp_election.parameters, secp_election.public_key, "voter-x", [1, 1, 0])
    with pytest.raises(CryptoError, match="^ballot 50: "):
        verify_ballots(secp_election.public_key, secp_election.election_hash, [*ballots, forged], 3)
