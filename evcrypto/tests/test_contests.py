"""Format 2: contests under the choose, score and cumulative rules, and voter weights.

Valid ballots verify under every rule; ballots whose values break a rule (made by the
cheating prover, whose branch equations all hold) fail; random elections with several
contests and random weights tally to the plain weighted count; batch verification gives the
verdicts of one-by-one verification.
"""

import dataclasses
import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evcrypto import (
    SECP256K1,
    TEST_GROUP,
    Choose,
    Contest,
    ContestBallot,
    CryptoError,
    Cumulative,
    ElectionParameters,
    ElectionRecord,
    Score,
    ballot_to_json,
    ballot_tracker,
    canonical_json,
    count_bounds,
    decrypt_tally,
    election_aggregate,
    encrypt_ballot,
    encrypt_contest_ballot,
    parse_ballot,
    spoilable_ballot,
    verified_aggregate,
    verify_ballot,
    verify_decryption,
    verify_election_ballots,
    verify_spoiled_ballot,
    weight_roll_hash,
    write_record,
)
from evcrypto.ballot import encrypt_ballot_revealing
from evcrypto.ballot import verify_ballot as verify_single_question_ballot
from evcrypto.contest_ballot import contest_challenge
from evcrypto.contests import MAX_POINTS, MAX_SCORE, MAX_WEIGHT, Rule
from evcrypto.encoding import sha256_hex
from evcrypto.tests.conftest import (
    ALICE,
    BOB,
    CONTEST_CHOICES,
    CONTEST_ROLL,
    CONTESTS,
    Election,
    make_contest_election,
)
from evcrypto.tests.forgery import forge_contest_ballot
from evcrypto.tests.make_vectors import CONTEST_BALLOTS, CONTEST_VECTORS, VECTORS, make_record
from evcrypto.tests.make_vectors import CONTESTS as VECTOR_CONTESTS
from evcrypto.verify import CHECK_NAMES, verify_bundle, verify_record

Rows = list[list[int]]
Json = dict[str, Any]
# The committed single-question vectors' election hash, as docs/election-record.md gives it.
OLD_ELECTION_HASH = "b46932a876557fc6468b19eae9e75de9f3688920a9eb7f3d69efe5399bac19bf"


@st.composite
def rules(draw: st.DrawFn, options: int) -> Rule:
    kind = draw(st.sampled_from(["choose", "score", "cumulative"]))
    if kind == "choose":
        high = draw(st.integers(1, options))
        return Choose(draw(st.integers(0, high)), high)
    if kind == "score":
        return Score(draw(st.integers(1, 4)))
    points = draw(st.integers(1, 8))
    return Cumulative(points, draw(st.integers(1, points)))


@st.composite
def contest_lists(draw: st.DrawFn) -> tuple[Contest, ...]:
    count = draw(st.integers(2, 4))
    contests = []
    for index in range(count):
        options = draw(st.integers(1, 4))
        contests.append(
            Contest(
                f"c{index}",
                f"Question {index}",
                tuple(f"option {index}.{j}" for j in range(options)),
                draw(rules(options)),
            )
        )
    return tuple(contests)


def valid_values(rng: random.Random, rule: Rule, options: int) -> list[int]:
    """A random row that `rule` allows."""
    if isinstance(rule, Choose):
        chosen = rng.sample(range(options), rng.randint(rule.min_selections, rule.max_selections))
        return [int(j in chosen) for j in range(options)]
    if isinstance(rule, Score):
        return [rng.randint(0, rule.max_score) for _ in range(options)]
    row = [0] * options
    for _ in range(rng.randint(0, rule.points)):
        free = [j for j in range(options) if row[j] < rule.max_per_option]
        if not free:
            break
        row[rng.choice(free)] += 1
    return row


def random_ballot(rng: random.Random, contests: tuple[Contest, ...]) -> Rows:
    return [valid_values(rng, c.rule, len(c.options)) for c in contests]


# ---------------------------------------------------------------------------------------------
# Parameters


def test_a_single_question_election_keeps_its_format_and_hash() -> None:
    parameters = ElectionParameters("id", "Title", ("a", "b"), 1, 1)
    assert parameters.format == "evoting-election-record/1"
    assert "contests" not in parameters.to_dict()
    assert parameters.value_maxima == (1, 1)


def test_contest_parameters_survive_their_json_and_list_every_option() -> None:
    parameters = make_contest_election(TEST_GROUP).parameters
    assert parameters.format == "evoting-election-record/2"
    assert ElectionParameters.from_dict(parameters.to_dict()) == parameters
    assert parameters.candidates == tuple(n for c in CONTESTS for n in c.options)
    assert parameters.value_maxima == (1, 1, 1, 3, 3, 3, 3, 3, 1)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Score(0),
        lambda: Score(MAX_SCORE + 1),
        lambda: Cumulative(MAX_POINTS + 1, 1),
        lambda: Cumulative(5, 6),
        lambda: Cumulative(5, 0),
        lambda: Choose(2, 1),
        lambda: Choose(0, 0),
        lambda: Contest("x", "X", ("a",), Choose(1, 2)),  # max above the option count
        lambda: Contest("", "X", ("a",), Score(2)),
        lambda: ElectionParameters("id", "T", contests=(CONTESTS[0], CONTESTS[0])),  # same id
        lambda: ElectionParameters("id", "T", contests=(CONTESTS[0],)),  # format 1 suffices
        lambda: ElectionParameters("id", "T", ("a",), weighted=True),  # weights need contests
        lambda: ElectionParameters("id", "T", contests=CONTESTS, weighted=True),  # no roll hash
        lambda: ElectionParameters("id", "T", contests=CONTESTS, weights_hash="ab" * 32),
        lambda: ElectionParameters(
            "id", "T", contests=CONTESTS, weighted=True, weights_hash="AB" * 32
        ),
        lambda: ElectionParameters("id", "T", ("a",), contests=CONTESTS),
        lambda: ElectionParameters("id", "T", contests=CONTESTS, max_selections=2),
    ],
)
def test_rules_and_contests_outside_their_bounds_are_refused(make: object) -> None:
    with pytest.raises(CryptoError):
        make()  # type: ignore[operator]


def test_a_single_contest_with_weights_or_another_rule_is_format_2() -> None:
    committed = weight_roll_hash(CONTEST_ROLL, CONTESTS[:1])
    weighted = ElectionParameters(
        "id", "T", contests=(CONTESTS[0],), weighted=True, weights_hash=committed
    )
    scored = ElectionParameters("id", "T", contests=(CONTESTS[1],))
    assert weighted.format == scored.format == "evoting-election-record/2"


# ---------------------------------------------------------------------------------------------
# Ballots


@settings(max_examples=25)
@given(contests=contest_lists(), seed=st.integers(0, 2**32))
def test_valid_ballots_verify_under_every_rule(contests: tuple[Contest, ...], seed: int) -> None:
    election = make_contest_election(TEST_GROUP, contests, threshold=1, trustees=1)
    rows = random_ballot(random.Random(seed), contests)
    ballot = encrypt_contest_ballot(election.parameters, election.public_key, ALICE, rows)
    verify_ballot(election.parameters, election.public_key, ALICE, ballot)
    again = parse_ballot(ballot_to_json(ballot), TEST_GROUP)
    assert again == ballot and ballot_tracker(again) == ballot_tracker(ballot)


def test_a_contest_ballot_verifies_on_secp256k1(secp_contest_election: Election) -> None:
    e = secp_contest_election
    ballot = encrypt_contest_ballot(e.parameters, e.public_key, ALICE, CONTEST_CHOICES)
    verify_ballot(e.parameters, e.public_key, ALICE, ballot)
    verify_election_ballots(e.parameters, e.public_key, [ballot])


def test_the_forger_builds_valid_ballots_when_it_does_not_cheat(
    small_contest_election: Election,
) -> None:
    e = small_contest_election
    ballot = forge_contest_ballot(e.parameters, e.public_key, ALICE, CONTEST_CHOICES)
    verify_ballot(e.parameters, e.public_key, ALICE, ballot)


# Each row breaks exactly one rule of CONTESTS (see conftest.CONTEST_CHOICES for a valid one).
CHEATS = {
    "choose: none of 1..2": [[0, 0, 0], [3, 0], [2, 3, 0], [1]],
    "choose: all three of 1..2": [[1, 1, 1], [3, 0], [2, 3, 0], [1]],
    "choose: 2 on one option": [[2, 0, 0], [3, 0], [2, 3, 0], [1]],
    "choose: -1 on one option": [[1, -1, 1], [3, 0], [2, 3, 0], [1]],
    "yes/no: 2": [[1, 0, 1], [3, 0], [2, 3, 0], [2]],
    "score: above S": [[1, 0, 1], [4, 0], [2, 3, 0], [1]],
    "score: negative": [[1, 0, 1], [-1, 2], [2, 3, 0], [1]],
    "cumulative: over K in total": [[1, 0, 1], [3, 0], [2, 3, 1], [1]],
    "cumulative: over c on one option": [[1, 0, 1], [3, 0], [4, 0, 0], [1]],
    "cumulative: negative": [[1, 0, 1], [3, 0], [3, 3, -1], [1]],
}


@pytest.mark.parametrize("cheat", list(CHEATS))
def test_ballots_outside_a_rule_fail(small_contest_election: Election, cheat: str) -> None:
    e = small_contest_election
    rows = CHEATS[cheat]
    with pytest.raises(CryptoError):
        encrypt_contest_ballot(e.parameters, e.public_key, ALICE, rows)
    forged = forge_contest_ballot(e.parameters, e.public_key, ALICE, rows)
    with pytest.raises(CryptoError, match="challenges do not match"):
        verify_ballot(e.parameters, e.public_key, ALICE, forged)
    with pytest.raises(CryptoError, match="ballot 0:"):
        verify_election_ballots(e.parameters, e.public_key, [forged])


@settings(max_examples=40)
@given(
    contest=st.integers(0, len(CONTESTS) - 1),
    option=st.integers(0, 2),
    excess=st.integers(1, 5),
)
def test_any_value_above_what_a_rule_allows_fails(
    small_contest_election: Election, contest: int, option: int, excess: int
) -> None:
    e = small_contest_election
    rows = [list(row) for row in CONTEST_CHOICES]
    option %= len(rows[contest])
    rows[contest][option] = CONTESTS[contest].rule.option_max + excess
    forged = forge_contest_ballot(e.parameters, e.public_key, ALICE, rows)
    with pytest.raises(CryptoError, match="challenges do not match"):
        verify_ballot(e.parameters, e.public_key, ALICE, forged)


def test_a_contest_ballot_is_bound_to_voter_election_contest_and_rule(
    small_contest_election: Election,
) -> None:
    e = small_contest_election
    ballot = encrypt_contest_ballot(e.parameters, e.public_key, ALICE, CONTEST_CHOICES)
    with pytest.raises(CryptoError, match="another voter"):
        verify_ballot(e.parameters, e.public_key, BOB, ballot)
    relabelled = dataclasses.replace(ballot, voter=BOB)
    with pytest.raises(CryptoError, match="challenges do not match"):
        verify_ballot(e.parameters, e.public_key, BOB, relabelled)
    renamed = [dataclasses.replace(CONTESTS[0], contest_id="board-2"), *CONTESTS[1:]]
    other_ids = dataclasses.replace(e.parameters, contests=tuple(renamed))
    moved = dataclasses.replace(ballot, election_hash=other_ids.election_hash)
    parts = [dataclasses.replace(moved.contests[0], contest_id="board-2"), *moved.contests[1:]]
    with pytest.raises(CryptoError, match="challenges do not match"):
        verify_ballot(
            other_ids, e.public_key, ALICE, dataclasses.replace(moved, contests=tuple(parts))
        )
    # The challenge names each contest's rule: the same ballot under another rule with the
    # same number of branches (choose 0..1 instead of 1..2) has another challenge.
    other_rule = dataclasses.replace(CONTESTS[0], rule=Choose(0, 1))
    ciphertexts = ballot.ciphertexts
    commitments = [[(p.a, p.b) for p in s.proof] for s in ballot.contests[0].selections]
    challenges = {
        contest_challenge(
            e.public_key, e.election_hash, ALICE, 0, contest, ciphertexts, commitments
        )
        for contest in (CONTESTS[0], other_rule)
    }
    assert len(challenges) == 2


def test_contests_swapped_between_two_ballots_of_one_voter_fail(
    small_contest_election: Election,
) -> None:
    e = small_contest_election
    first = encrypt_contest_ballot(e.parameters, e.public_key, ALICE, CONTEST_CHOICES)
    second = encrypt_contest_ballot(e.parameters, e.public_key, ALICE, CONTEST_CHOICES)
    mixed = dataclasses.replace(first, contests=(second.contests[0], *first.contests[1:]))
    with pytest.raises(CryptoError, match="challenges do not match"):
        verify_ballot(e.parameters, e.public_key, ALICE, mixed)


def test_ballots_of_the_other_format_are_refused(small_contest_election: Election) -> None:
    e = small_contest_election
    single = ElectionParameters("single", "T", ("a", "b"), group=TEST_GROUP)
    old = encrypt_ballot(single, e.public_key, ALICE, [1, 0])
    new = encrypt_contest_ballot(e.parameters, e.public_key, ALICE, CONTEST_CHOICES)
    with pytest.raises(CryptoError):
        verify_ballot(e.parameters, e.public_key, ALICE, old)
    with pytest.raises(CryptoError):
        verify_ballot(single, e.public_key, ALICE, new)
    with pytest.raises(CryptoError):
        encrypt_ballot(e.parameters, e.public_key, ALICE, [1, 0])


def test_the_single_question_functions_refuse_a_contest_election(
    small_contest_election: Election,
) -> None:
    e = small_contest_election
    single = ElectionParameters("single", "T", ("a", "b"), group=TEST_GROUP)
    old = encrypt_ballot(single, e.public_key, ALICE, [1, 0])
    one_choice = [1] + [0] * (e.parameters.candidate_count - 1)  # fits the option count
    refused = "election \\(contests\\) takes contest ballots"
    with pytest.raises(CryptoError, match=refused):
        encrypt_ballot(e.parameters, e.public_key, ALICE, one_choice)
    with pytest.raises(CryptoError, match=refused):
        encrypt_ballot_revealing(e.parameters, e.public_key, ALICE, one_choice)
    with pytest.raises(CryptoError, match=refused):
        verify_single_question_ballot(e.parameters, e.public_key, ALICE, old)
    with pytest.raises(CryptoError, match="ballot 0: .*needs a ballot with contests"):
        verify_election_ballots(e.parameters, e.public_key, [old])


def tamper_response(ballot: ContestBallot, contest: int) -> ContestBallot:
    """Change one branch response: the challenges still add up, an equation fails."""
    part = ballot.contests[contest]
    selection = part.selections[0]
    branch = dataclasses.replace(selection.proof[0], response=selection.proof[0].response ^ 1)
    changed = dataclasses.replace(selection, proof=(branch, *selection.proof[1:]))
    new_part = dataclasses.replace(part, selections=(changed, *part.selections[1:]))
    contests = list(ballot.contests)
    contests[contest] = new_part
    return dataclasses.replace(ballot, contests=tuple(contests))


@pytest.mark.parametrize("count", [5, 45])  # one by one below 40 ballots, batched above
def test_batch_verification_of_contest_ballots_agrees_with_one_by_one(
    small_contest_election: Election, count: int
) -> None:
    e = small_contest_election
    rng = random.Random(count)
    ballots = [
        encrypt_contest_ballot(
            e.parameters, e.public_key, f"voter-{i}", random_ballot(rng, CONTESTS)
        )
        for i in range(count)
    ]
    verify_election_ballots(e.parameters, e.public_key, ballots)
    bad = {count // 2: tamper_response(ballots[count // 2], 2), count - 1: None}
    bad[count - 1] = forge_contest_ballot(
        e.parameters, e.public_key, "voter-x", CHEATS["yes/no: 2"]
    )
    for index, ballot in bad.items():
        assert ballot is not None
        changed = [*ballots[:index], ballot, *ballots[index + 1 :]]
        single = []
        for position, each in enumerate(changed):
            try:
                verify_ballot(e.parameters, e.public_key, each.voter, each)
            except CryptoError:
                single.append(position)
        assert single == [index]
        with pytest.raises(CryptoError, match=f"ballot {index}:"):
            verify_election_ballots(e.parameters, e.public_key, changed)


def test_batch_verification_catches_a_bad_contest_ballot_on_secp256k1(
    secp_contest_election: Election,
) -> None:
    e = secp_contest_election
    rng = random.Random(7)
    ballots = [
        encrypt_contest_ballot(
            e.parameters, e.public_key, f"voter-{i}", random_ballot(rng, CONTESTS)
        )
        for i in range(41)
    ]
    verify_election_ballots(e.parameters, e.public_key, ballots)
    ballots[17] = tamper_response(ballots[17], 1)
    with pytest.raises(CryptoError, match="ballot 17: ballot proofs: contest ideas option 0"):
        verify_election_ballots(e.parameters, e.public_key, ballots)


# ---------------------------------------------------------------------------------------------
# Weighted tallies


def weighted_count(
    contests: tuple[Contest, ...], rows: list[Rows], weights: list[int]
) -> list[int]:
    flat = [[value for row in ballot for value in row] for ballot in rows]
    width = sum(len(c.options) for c in contests)
    return [sum(w * b[j] for b, w in zip(flat, weights, strict=True)) for j in range(width)]


@settings(max_examples=12)
@given(
    contests=contest_lists(),
    ballots=st.integers(0, 25),
    seed=st.integers(0, 2**32),
    weighted=st.booleans(),
)
def test_random_weighted_elections_tally_to_the_plain_weighted_count(
    contests: tuple[Contest, ...], ballots: int, seed: int, weighted: bool
) -> None:
    rng = random.Random(seed)
    rows = [random_ballot(rng, contests) for _ in range(ballots)]
    weights = [rng.choice([1, 1, 2, 7, MAX_WEIGHT]) if weighted else 1 for _ in rows]
    roll = {f"v{i}": weight for i, weight in enumerate(weights)}
    election = make_contest_election(TEST_GROUP, contests, weighted, 2, 3, roll)
    p = election.parameters
    cast = [
        (ballot_to_json(encrypt_contest_ballot(p, election.public_key, f"v{i}", row)), f"v{i}")
        for i, row in enumerate(rows)
    ]
    encrypted = verified_aggregate(p, election.public_key, cast, weights=roll)
    assert encrypted.total_weight == sum(weights)
    tally = decrypt_tally(
        election.election_key, election.trustee_keys[1:], encrypted, p.election_hash, p.value_maxima
    )
    assert list(tally.counts) == weighted_count(contests, rows, weights)
    verify_decryption(election.election_key, encrypted, tally, p.election_hash, p.value_maxima)


def test_weights_need_a_weighted_election(small_contest_election: Election) -> None:
    e = small_contest_election
    unweighted = dataclasses.replace(e.parameters, weighted=False, weights_hash=None)
    ballot = encrypt_contest_ballot(unweighted, e.public_key, ALICE, CONTEST_CHOICES)
    with pytest.raises(CryptoError, match="does not weight"):
        election_aggregate(unweighted, [ballot], {ALICE: 2})
    assert election_aggregate(unweighted, [ballot], {ALICE: 1}).total_weight == 1
    for weight in (0, -1, MAX_WEIGHT + 1, True):
        with pytest.raises(CryptoError):
            election_aggregate(e.parameters, [ballot], {ALICE: weight})


def test_a_weighted_tally_takes_only_the_committed_roll(small_contest_election: Election) -> None:
    e = small_contest_election
    ballot = encrypt_contest_ballot(e.parameters, e.public_key, ALICE, CONTEST_CHOICES)
    cast = [(ballot_to_json(ballot), ALICE)]
    rescaled = {**CONTEST_ROLL, BOB: 3}
    for weights in (rescaled, {ALICE: 1000}, {**CONTEST_ROLL, "voter-x": 1}):
        with pytest.raises(CryptoError, match="not the weight roll the parameters commit to"):
            election_aggregate(e.parameters, [ballot], weights)
        with pytest.raises(CryptoError, match="not the weight roll the parameters commit to"):
            verified_aggregate(e.parameters, e.public_key, cast, weights=weights)
    assert election_aggregate(e.parameters, [ballot], CONTEST_ROLL).total_weight == 1000


def test_a_weighted_tally_needs_the_roll_and_every_voter_on_it(
    small_contest_election: Election,
) -> None:
    e = small_contest_election
    stranger = encrypt_contest_ballot(e.parameters, e.public_key, "voter-x", CONTEST_CHOICES)
    cast = [(ballot_to_json(stranger), "voter-x")]
    with pytest.raises(CryptoError, match="needs its weight roll"):
        election_aggregate(e.parameters, [stranger])
    with pytest.raises(CryptoError, match="needs its weight roll"):
        verified_aggregate(e.parameters, e.public_key, cast)
    with pytest.raises(CryptoError, match="ballot 0: voter voter-x is not on the weight roll"):
        election_aggregate(e.parameters, [stranger], CONTEST_ROLL)
    with pytest.raises(CryptoError, match="ballot 0: voter voter-x is not on the weight roll"):
        verified_aggregate(e.parameters, e.public_key, cast, weights=CONTEST_ROLL)


def test_weighted_parameters_carry_their_roll_hash_in_the_election_hash() -> None:
    election = make_contest_election(TEST_GROUP)
    data = election.parameters.to_dict()
    assert data["weights_hash"] == weight_roll_hash(CONTEST_ROLL, CONTESTS)
    assert data["weights_hash"] == sha256_hex(canonical_json({"weights": CONTEST_ROLL}))
    assert ElectionParameters.from_dict(data) == election.parameters
    other = make_contest_election(TEST_GROUP, roll={**CONTEST_ROLL, BOB: 3}).parameters
    assert other.election_hash != election.parameters.election_hash
    with pytest.raises(CryptoError, match="missing fields \\['weights_hash'\\]"):
        ElectionParameters.from_dict({k: v for k, v in data.items() if k != "weights_hash"})
    unweighted = make_contest_election(TEST_GROUP, weighted=False).parameters.to_dict()
    assert "weights_hash" not in unweighted
    with pytest.raises(CryptoError, match="unknown fields \\['weights_hash'\\]"):
        ElectionParameters.from_dict({**unweighted, "weights_hash": data["weights_hash"]})


def test_a_roll_whose_totals_could_not_be_decrypted_is_refused() -> None:
    contests = (Contest("budget", "Budget", ("Roads", "Parks"), Cumulative(MAX_POINTS, 60)),)
    # total weight x 60 must stay within the 10^10 a tally can decrypt
    fits = {f"v{i}": MAX_WEIGHT for i in range(166)}
    weight_roll_hash(fits, contests)
    too_heavy = {**fits, "v166": MAX_WEIGHT}
    with pytest.raises(CryptoError, match="exceeds 10000000000, the most a tally can decrypt"):
        weight_roll_hash(too_heavy, contests)
    committed = sha256_hex(canonical_json({"weights": too_heavy}))  # committed by hand
    parameters = ElectionParameters(
        "id", "T", contests=contests, weighted=True, weights_hash=committed
    )
    with pytest.raises(CryptoError, match="the most a tally can decrypt"):
        election_aggregate(parameters, [], too_heavy)


def test_the_count_bound_covers_every_weight_and_rule(small_contest_election: Election) -> None:
    e = small_contest_election
    ballot = encrypt_contest_ballot(e.parameters, e.public_key, ALICE, CONTEST_CHOICES)
    encrypted = election_aggregate(e.parameters, [ballot, ballot], CONTEST_ROLL)
    assert encrypted.total_weight == 2000
    assert count_bounds(encrypted, e.parameters.value_maxima)[3] == 2000 * 3
    assert count_bounds(encrypted)[0] == 2000 * MAX_POINTS
    tally = decrypt_tally(
        e.election_key, e.trustee_keys, encrypted, e.election_hash, e.parameters.value_maxima
    )
    assert list(tally.counts) == [2000 * v for row in CONTEST_CHOICES for v in row]


# ---------------------------------------------------------------------------------------------
# Spoiled ballots and the record


def test_a_spoiled_contest_ballot_reveals_its_values(small_contest_election: Election) -> None:
    e = small_contest_election
    spoiled = spoilable_ballot(e.parameters, e.public_key, ALICE, CONTEST_CHOICES)
    verify_spoiled_ballot(e.parameters, e.public_key, spoiled)
    lie = dataclasses.replace(spoiled, choices=(1, 0, 1, 2, 1, 2, 3, 0, 1))
    with pytest.raises(CryptoError, match="the choice says 2, the ciphertext encrypts 3"):
        verify_spoiled_ballot(e.parameters, e.public_key, lie)


def write_contest_record(directory: Path, election: Election, weights: dict[str, int]) -> None:
    p = election.parameters
    rng = random.Random(3)
    ballots = tuple(
        encrypt_contest_ballot(p, election.public_key, voter, random_ballot(rng, CONTESTS))
        for voter in weights
    )
    encrypted = election_aggregate(p, ballots, weights)
    tally = decrypt_tally(
        election.election_key, election.trustee_keys[:2], encrypted, p.election_hash, p.value_maxima
    )
    spoiled = (spoilable_ballot(p, election.public_key, "voter-z", CONTEST_CHOICES),)
    record = ElectionRecord(p, election.election_key, ballots, encrypted, tally, spoiled, weights)
    write_record(directory, record)


def test_a_contest_record_passes_every_check(tmp_path: Path) -> None:
    weights = {"voter-a": 3, "voter-b": 1, "voter-c": 12}
    election = make_contest_election(SECP256K1, roll=weights)
    write_contest_record(tmp_path, election, weights)
    results = verify_record(tmp_path)
    assert [r.name for r in results] == list(CHECK_NAMES)
    assert all(r.passed for r in results), [r.line() for r in results]
    lines = {r.name: r.line() for r in results}
    assert "total weight 16 of 3 ballots" in lines["voter weights"]
    assert "weighted, total weight 16" in lines["published counts"]


# ---------------------------------------------------------------------------------------------
# Committed vectors


def test_the_committed_contest_vectors_pass_every_check() -> None:
    results = verify_record(CONTEST_VECTORS)
    assert [result.name for result in results] == list(CHECK_NAMES)
    assert all(result.passed for result in results), [r.line() for r in results]


def test_the_committed_contest_vectors_publish_the_plain_weighted_count() -> None:
    published = json.loads((CONTEST_VECTORS / "results.json").read_bytes())
    rows = [[list(row) for row in ballot] for _, _, ballot in CONTEST_BALLOTS]
    weights = [weight for _, weight, _ in CONTEST_BALLOTS]
    totals = [row["total"] for c in published["contests"] for row in c["results"]]
    assert totals == weighted_count(VECTOR_CONTESTS, rows, weights)
    assert published["weighted"] is True and published["total_weight"] == sum(weights)
    stored = json.loads((CONTEST_VECTORS / "weights.json").read_bytes())["weights"]
    assert stored == {voter: weight for voter, weight, _ in CONTEST_BALLOTS}


def test_the_single_question_vectors_keep_their_parameters_byte_for_byte() -> None:
    committed = (VECTORS / "parameters.json").read_bytes()
    assert canonical_json(make_record().parameters.to_dict()) == committed
    assert sha256_hex(committed) == OLD_ELECTION_HASH
    assert not (VECTORS / "weights.json").exists()


def change_weight(weights: Json) -> None:
    weights["weights"]["voter-b"] = 4


def drop_weight(weights: Json) -> None:
    del weights["weights"]["voter-e"]


def unweight(parameters: Json) -> None:
    parameters["weighted"] = False
    del parameters["weights_hash"]


def recommit_weights(parameters: Json) -> None:
    roll = {voter: weight for voter, weight, _ in CONTEST_BALLOTS} | {"voter-e": 1_000_000}
    parameters["weights_hash"] = sha256_hex(canonical_json({"weights": roll}))


def change_a_total(results: Json) -> None:
    results["contests"][2]["results"][1]["total"] += 1


def change_the_total_weight(results: Json) -> None:
    results["total_weight"] += 1


def change_a_rule(parameters: Json) -> None:
    parameters["contests"][1]["rule"]["max_score"] = 4


CONTEST_TAMPERINGS: dict[str, tuple[str, Callable[[Json], None], str]] = {
    "a voter's weight": ("weights.json", change_weight, "voter weights"),
    "a voter without weight": ("weights.json", drop_weight, "voter weights"),
    "weighting switched off": ("parameters.json", unweight, "trustee commitments"),
    "another weight roll committed": ("parameters.json", recommit_weights, "trustee commitments"),
    "a rule": ("parameters.json", change_a_rule, "trustee commitments"),
    "a contest total": ("results.json", change_a_total, "published counts"),
    "the total weight": ("results.json", change_the_total_weight, "published counts"),
}


@pytest.mark.parametrize("tampering", list(CONTEST_TAMPERINGS))
def test_a_tampered_contest_record_fails_naming_the_check(tmp_path: Path, tampering: str) -> None:
    copy = tmp_path / "record"
    shutil.copytree(CONTEST_VECTORS, copy)
    name, change, check = CONTEST_TAMPERINGS[tampering]
    value = json.loads((copy / name).read_bytes())
    change(value)
    (copy / name).write_bytes(canonical_json(value))
    failed = [result.name for result in verify_record(copy) if not result.passed]
    assert failed and failed[0] == check, failed


def test_a_record_with_one_weight_altered_fails_the_voter_weights_check(tmp_path: Path) -> None:
    copy = tmp_path / "record"
    shutil.copytree(CONTEST_VECTORS, copy)
    weights = json.loads((copy / "weights.json").read_bytes())
    weights["weights"]["voter-e"] = 1_000_000
    (copy / "weights.json").write_bytes(canonical_json(weights))
    failed = [result for result in verify_record(copy) if not result.passed]
    assert failed[0].name == "voter weights", [r.line() for r in failed]
    assert "not the weight roll the parameters commit to" in failed[0].detail


def test_a_contest_record_without_its_weights_fails(tmp_path: Path) -> None:
    copy = tmp_path / "record"
    shutil.copytree(CONTEST_VECTORS, copy)
    (copy / "weights.json").unlink()
    failed = [result for result in verify_record(copy) if not result.passed]
    assert failed[0].name == "parameters" and "needs weights.json" in failed[0].detail


def test_a_contest_record_verifies_as_one_file(tmp_path: Path) -> None:
    bundle = {path.name: json.loads(path.read_bytes()) for path in CONTEST_VECTORS.iterdir()}
    (tmp_path / "record.json").write_text(json.dumps(bundle, indent=1))
    assert all(result.passed for result in verify_bundle(tmp_path / "record.json"))


def test_a_one_file_record_with_a_duplicate_key_is_refused(tmp_path: Path) -> None:
    parts = {path.name: path.read_text() for path in CONTEST_VECTORS.iterdir()}
    weights = parts["weights.json"]
    parts["weights.json"] = weights.replace('"voter-b":3', '"voter-b":999,"voter-b":3')
    assert parts["weights.json"] != weights
    text = "{" + ",".join(f'"{name}":{value}' for name, value in parts.items()) + "}"
    (tmp_path / "record.json").write_text(text)
    results = verify_bundle(tmp_path / "record.json")
    assert [(r.name, r.passed) for r in results] == [("record bundle", False)]
    assert "duplicate object key" in results[0].detail
