"""Elections of several contests with counting rules and voter weights (record format 2):
built, voted in (encrypted by the server or by the voter's client), tallied by the trustees,
counted per contest and published as a record that verifies; bad contests and weights are
refused before anything is stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.conftest import TRUSTEES
from apps.elections.ballot_size import ballot_bytes
from apps.elections.copying import copy_election
from apps.elections.errors import InvalidBallot, InvalidInput, WrongState
from apps.elections.models import Candidate, Contest, Election, RollEntry
from apps.elections.record import election_record
from apps.elections.results import decryption_verdict, published_results
from apps.elections.services import (
    ContestSpec,
    VoterRow,
    add_voters,
    ballot_rules,
    create_contest_election,
    create_election,
    election_parameters,
    open_election,
    set_voter_weight,
)
from apps.elections.tests.chain import confirm_on_chain, tally_with_trustees
from apps.trustees.services import restart_ceremony, start_ceremony
from apps.trustees.tests.ceremony import complete_ceremony
from apps.votes.models import Vote
from apps.votes.services import cast_ballot, cast_choice, cast_values, voter_pseudonym
from evcrypto import ElectionParameters, ballot_to_json, encrypt_contest_ballot, parse_ballot
from evcrypto.parameters import CONTESTS_FORMAT, RECORD_FORMAT
from evcrypto.verify import verify_bundle
from tests.standin_validators import StandInNetwork

pytestmark = pytest.mark.django_db

CONTESTS = [
    ContestSpec("Board", ["Ada", "Grace", "Linus"], "choose", min_selections=1, max_selections=2),
    ContestSpec("Rate the proposals", ["Library", "Garden"], "score", max_score=5),
    ContestSpec(
        "Budget", ["Schools", "Clinics", "Bridges"], "cumulative", points=10, max_per_option=6
    ),
]
VOTERS = 20
WEIGHTS = {0: 3, 1: 7, 5: 2, 9: 3, 14: 5}  # voter number -> weight; everyone else weighs 1


def agm(voters: int = VOTERS) -> tuple[Election, list[User]]:
    """The three-contest election with its weighted roll, before its key ceremony."""
    election = create_contest_election("Annual meeting", CONTESTS)
    users = [User.objects.create_user(f"member{i}@example.org", None) for i in range(voters)]
    add_voters(election, [VoterRow(u.email, weight=WEIGHTS.get(i, 1)) for i, u in enumerate(users)])
    return election, users


def ballot_values(number: int) -> dict[str, list[int]]:
    """Voter `number`'s choice, varied and within every rule."""
    board = [[1, 0, 0], [0, 1, 1], [1, 0, 1], [0, 0, 1]][number % 4]
    budget = [[6, 4, 0], [0, 0, 0], [2, 2, 6], [3, 3, 3]][number % 4]
    return {"c1": board, "c2": [number % 6, (number * 2) % 6], "c3": budget}


def test_a_weighted_election_of_three_contests_runs_from_ceremony_to_a_verified_record(
    validators: StandInNetwork, tmp_path: Path
) -> None:
    election, users = agm()
    keys = complete_ceremony(election, TRUSTEES)
    election.refresh_from_db()
    assert election.parameters["format"] == CONTESTS_FORMAT
    assert election.parameters["weighted"] is True
    assert [c["rule"]["kind"] for c in election.parameters["contests"]] == [
        "choose",
        "score",
        "cumulative",
    ]
    election = open_election(election)
    rules = ballot_rules(election)
    voting = [i for i in range(VOTERS) if i not in (3, 11, 17)]  # three stay away
    for number in voting:
        values = ballot_values(number)
        if number % 2:
            cast_values(election, users[number], values)
        else:  # the voter's own client encrypts and proves the ballot
            pseudonym = voter_pseudonym(election, users[number])
            ballot = encrypt_contest_ballot(
                rules.parameters, rules.public_key, pseudonym, [values[c] for c in values]
            )
            cast_ballot(election, users[number], ballot_to_json(ballot))
    sample = Vote.objects.filter(election=election).first()
    assert sample is not None and len(sample.ballot) == ballot_bytes(rules.parameters)

    validators.commit([])
    confirm_on_chain(validators, election)
    tallied = tally_with_trustees(election, keys, who=(1, 3))

    expected: dict[str, list[int]] = {"c1": [0] * 3, "c2": [0] * 2, "c3": [0] * 3}
    for number in voting:
        for contest, values in ballot_values(number).items():
            for j, value in enumerate(values):
                expected[contest][j] += WEIGHTS.get(number, 1) * value
    results = tallied.results
    assert results is not None
    assert results["weighted"] is True and results["ballots"] == len(voting)
    assert results["total_weight"] == sum(WEIGHTS.get(n, 1) for n in voting)
    got = {c["id"]: [o["total"] for o in c["options"]] for c in results["contests"]}
    assert got == expected
    assert [c["title"] for c in results["contests"]] == ["Board", "Rate the proposals", "Budget"]
    assert results["contests"][2]["rule"] == {
        "kind": "cumulative",
        "points": 10,
        "max_per_option": 6,
    }
    assert [o["name"] for o in results["contests"][0]["options"]] == ["Ada", "Grace", "Linus"]
    shown = published_results(tallied)
    assert (
        shown["contests"] == results["contests"]
        and shown["total_weight"] == results["total_weight"]
    )
    assert [row["votes"] for row in shown["results"]] == [t for c in expected.values() for t in c]
    assert decryption_verdict(tallied) == "valid"
    client = Client()
    client.force_login(users[0])
    page = client.get(reverse("pages:results", args=[election.pk])).content.decode()
    assert "Rate the proposals" in page and "Weighted total" in page
    assert f"Weights apply; total weight {results['total_weight']}." in page

    record = election_record(tallied)
    assert set(record["weights.json"]["weights"].values()) == {1, 2, 3, 5, 7}
    assert len(record["weights.json"]["weights"]) == VOTERS  # the committed roll
    bundle = tmp_path / "record.json"
    bundle.write_text(json.dumps(record))
    checks = {result.name: result for result in verify_bundle(bundle)}
    assert all(result.passed for result in checks.values()), checks
    assert len(checks) == 12


def opened_agm(voters: int) -> tuple[Election, list[User]]:
    """The three-contest election with `voters` on its roll, its ceremony done, open."""
    election, users = agm(voters)
    complete_ceremony(election, TRUSTEES)
    return open_election(election), users


@pytest.fixture
def open_agm() -> tuple[Election, list[User]]:
    return opened_agm(voters=3)


def nothing_cast(election: Election) -> bool:
    return (
        not Vote.objects.filter(election=election).exists()
        and not RollEntry.objects.filter(election=election, voted_at__isnull=False).exists()
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"c1": [1, 1, 1], "c2": [0, 0], "c3": [0, 0, 0]}, r"values\[c1\]: .*total 3 outside 1..2"),
        ({"c1": [1, 0, 0], "c2": [6, 0], "c3": [0, 0, 0]}, r"values\[c2\]: .*0..5"),
        ({"c1": [1, 0, 0], "c2": [0, 0], "c3": [5, 5, 1]}, r"values\[c3\]: .*total 11"),
        ({"c1": [1, 0], "c2": [0, 0], "c3": [0, 0, 0]}, r"values\[c1\]: .*2 values for 3"),
        ({"c1": [1, 0, 0], "c2": [0, 0]}, "one list of values for each contest"),
    ],
)
def test_values_outside_a_rule_are_refused_and_nothing_is_cast(
    open_agm: tuple[Election, list[User]], values: dict[str, list[int]], message: str
) -> None:
    election, users = open_agm
    with pytest.raises(InvalidInput, match=message):
        cast_values(election, users[0], values)
    assert nothing_cast(election)


def test_a_client_ballot_of_another_shape_or_voter_is_refused(
    open_agm: tuple[Election, list[User]],
) -> None:
    election, users = open_agm
    rules = ballot_rules(election)
    values = [[1, 0, 0], [0, 0], [0, 0, 0]]
    someone_else = voter_pseudonym(election, users[1])
    ballot = encrypt_contest_ballot(rules.parameters, rules.public_key, someone_else, values)
    with pytest.raises(InvalidBallot, match="ballot rejected"):
        cast_ballot(election, users[0], ballot_to_json(ballot))
    choice = list(election.candidates.order_by("position").values_list("pk", flat=True)[:1])
    with pytest.raises(InvalidInput, match="contests of scores or points"):
        cast_choice(election, users[0], choice)
    assert nothing_cast(election)


@pytest.mark.parametrize(
    ("contests", "message"),
    [
        (
            [CONTESTS[0], ContestSpec("Rate", ["A"], "score", max_score=11)],
            r"contests\[1\]: .*max_score",
        ),
        (
            [
                CONTESTS[0],
                ContestSpec("Budget", ["A", "B"], "cumulative", points=5, max_per_option=6),
            ],
            r"contests\[1\]: .*max_per_option",
        ),
        (
            [ContestSpec("Board", ["A", "B"], max_selections=3), CONTESTS[1]],
            r"contests\[0\]: .*max 3 above 2",
        ),
        ([CONTESTS[0], ContestSpec("Twice", ["A", "A"], "score")], r"contests\[1\]\.options"),
        ([CONTESTS[0], ContestSpec(" ", ["A"], "score")], r"contests\[1\]\.title"),
        ([CONTESTS[0], ContestSpec("Rank", ["A"], "borda")], r"contests\[1\]\.kind"),
        ([], "1 to 100 contests"),
    ],
)
def test_bad_contests_are_refused_naming_the_field_and_nothing_is_stored(
    contests: list[ContestSpec], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        create_contest_election("Annual meeting", contests)
    assert not Election.objects.exists() and not Contest.objects.exists()
    assert not Candidate.objects.exists()


@pytest.mark.parametrize("weight", [0, -1, 1_000_001, True, "2"])
def test_a_bad_weight_is_refused_and_nobody_is_added(weight: Any) -> None:
    election = create_election("Board", ["Ada", "Grace"])
    rows = [VoterRow("fine@example.org"), VoterRow("heavy@example.org", weight=weight)]
    with pytest.raises(InvalidInput, match="weight of heavy@example.org"):
        add_voters(election, rows)
    assert not election.roll.exists() and not User.objects.exists()


def test_the_roll_and_weights_of_a_weighted_election_are_fixed_when_its_ceremony_starts() -> None:
    election, users = agm(voters=3)
    complete_ceremony(election, TRUSTEES)
    election.refresh_from_db()
    before = list(election.roll.order_by("pk").values_list("user_id", "weight"))
    with pytest.raises(WrongState, match="restart the ceremony"):
        add_voters(election, [VoterRow("late@example.org")])
    with pytest.raises(WrongState, match="restart the ceremony"):
        set_voter_weight(election.roll.get(user=users[2]), 4)
    assert list(election.roll.order_by("pk").values_list("user_id", "weight")) == before
    assert not User.objects.filter(email="late@example.org").exists()
    restart_ceremony(election)  # the ballot is unfixed: the roll may change again
    set_voter_weight(election.roll.get(user=users[2]), 4)
    assert start_ceremony(election).parameters["weights_hash"] != ""


def test_an_unweighted_election_keeps_its_open_roll_but_gains_no_weight_after_the_ceremony(
    draft_election: Election,
) -> None:
    complete_ceremony(draft_election, TRUSTEES)
    add_voters(draft_election, [VoterRow("late@example.org")])  # as before weights existed
    with pytest.raises(WrongState, match="restart the ceremony"):
        add_voters(draft_election, [VoterRow("heavy@example.org", weight=3)])
    assert draft_election.roll.count() == 3
    assert not draft_election.roll.exclude(weight=1).exists()


def parameters_of(election: Election) -> ElectionParameters:
    """The parameters a ceremony of one trustee would fix (no trustees are named yet)."""
    Election.objects.filter(pk=election.pk).update(threshold=1)
    election.refresh_from_db()
    return election_parameters(election)


def test_one_question_stays_format_1_unless_its_voters_are_weighted(
    draft_election: Election,
) -> None:
    parameters = parameters_of(draft_election).to_dict()
    assert parameters["format"] == RECORD_FORMAT and "contests" not in parameters
    assert parameters["candidates"] == ["Ada", "Grace", "Linus"]
    single = create_contest_election("Motion", [ContestSpec("Adopt?", ["Yes", "No"])])
    assert not single.contests.exists()
    assert parameters_of(single).to_dict()["format"] == RECORD_FORMAT
    set_voter_weight(draft_election.roll.first(), 4)  # type: ignore[arg-type]
    weighted = parameters_of(draft_election)
    assert weighted.format == CONTESTS_FORMAT and weighted.weighted
    (contest,) = weighted.contests
    assert (contest.contest_id, contest.options) == ("c1", ("Ada", "Grace", "Linus"))
    assert contest.rule.to_dict() == {"kind": "choose", "min": 1, "max": 1}


def test_a_weighted_single_question_is_cast_by_candidate_as_before(
    draft_election: Election, alice: User
) -> None:
    set_voter_weight(draft_election.roll.get(user=alice), 4)
    complete_ceremony(draft_election, TRUSTEES)
    election = open_election(draft_election)
    grace = election.candidates.get(name="Grace")
    vote = cast_choice(election, alice, [grace.pk])
    ballot = parse_ballot(vote.ballot, ballot_rules(election).public_key.group)
    assert [c.contest_id for c in ballot.contests] == ["c1"]  # type: ignore[union-attr]


def test_a_copy_takes_the_contests_their_candidates_and_the_weights() -> None:
    source, _ = agm(voters=4)
    copy = copy_election(source)

    def rules(election: Election) -> list[tuple[object, ...]]:
        contests = election.contests.order_by("position")
        return [tuple(getattr(c, name) for name in Contest.FIELDS) for c in contests]

    assert rules(copy) == rules(source) and len(rules(copy)) == 3
    options = list(copy.candidates.order_by("position").values_list("contest__title", "name"))
    assert options == list(
        source.candidates.order_by("position").values_list("contest__title", "name")
    )
    assert set(copy.candidates.values_list("contest__election", flat=True)) == {copy.pk}
    weights = sorted(copy.roll.values_list("user__email", "weight"))
    assert weights == sorted(source.roll.values_list("user__email", "weight"))
    assert parameters_of(copy).contests == parameters_of(source).contests


def test_the_ballot_page_of_an_election_of_contests_opens_and_refuses_a_plain_choice(
    open_agm: tuple[Election, list[User]],
) -> None:
    election, users = open_agm
    client = Client()
    client.force_login(users[0])
    url = reverse("pages:ballot", args=[election.pk])
    assert client.get(url).status_code == 200
    ada = election.candidates.get(name="Ada")
    response = client.post(url, {"candidate": [str(ada.pk)]})
    assert response.status_code == 400  # this ballot needs values per contest
    assert nothing_cast(election)
