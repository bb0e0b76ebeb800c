"""Spoiling a ballot (the Benaloh challenge) through the vote verbs: checked against the
revealed randomness, stored apart from votes, never counted, and never in the way of casting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from apps.accounts.models import User
from apps.elections.errors import AlreadyVoted, ElectionNotOpen, InvalidBallot, NotOnRoll
from apps.elections.models import Election
from apps.elections.record import election_record
from apps.elections.results import tally_of
from apps.elections.services import close_election
from apps.elections.tests.chain import confirm_on_chain, tally_with_trustees
from apps.votes.models import SpoiledBallot, Vote
from apps.votes.services import (
    cast_ballot,
    spoil_ballot,
    spoiled_choice,
)
from apps.votes.tests.spoiling import revealed
from evcrypto import SpoiledBallot as Revealed
from evcrypto import TrusteeKey, ballot_to_json
from evcrypto.verify import verify_bundle
from tests.standin_validators import StandInNetwork

pytestmark = pytest.mark.django_db


def spoil(election: Election, voter: User, ballot: Revealed, **change: Any) -> SpoiledBallot:
    group = ballot.ballot.group
    arguments: dict[str, Any] = {
        "ballot_json": ballot_to_json(ballot.ballot),
        "randomness": [group.scalar_hex(r) for r in ballot.randomness],
        "choice": list(ballot.choices),
    }
    arguments.update(change)
    return spoil_ballot(election, voter, **arguments)


def test_a_spoiled_ballot_is_stored_apart_and_decodes_to_its_choice(
    election: Election, alice: User
) -> None:
    ballot = revealed(election, alice, [0, 1, 0])
    spoiled = spoil(election, alice, ballot)
    assert spoiled.tracker == ballot.tracker and spoiled.choice == [0, 1, 0]
    assert [c.name for c in spoiled_choice(spoiled)] == ["Grace"]
    assert Vote.objects.count() == 0
    assert election.roll.get(user=alice).voted_at is None
    assert spoil(election, alice, ballot).pk == spoiled.pk  # the same ballot again: one row


def test_spoiling_many_times_never_stops_casting(election: Election, alice: User) -> None:
    for choices in ([1, 0, 0], [0, 1, 0], [1, 0, 0]):
        spoil(election, alice, revealed(election, alice, choices))
    vote = cast_ballot(election, alice, ballot_to_json(revealed(election, alice, [0, 0, 1]).ballot))
    assert SpoiledBallot.objects.count() == 3 and vote.tracker not in set(
        SpoiledBallot.objects.values_list("tracker", flat=True)
    )


def test_a_spoiled_ballot_cannot_be_cast_afterwards(election: Election, alice: User) -> None:
    ballot = revealed(election, alice, [0, 1, 0])
    spoil(election, alice, ballot)
    with pytest.raises(InvalidBallot, match="was spoiled"):
        cast_ballot(election, alice, ballot_to_json(ballot.ballot))
    assert Vote.objects.count() == 0


def test_after_casting_spoiling_is_refused(election: Election, alice: User) -> None:
    cast_ballot(election, alice, ballot_to_json(revealed(election, alice, [1, 0, 0]).ballot))
    with pytest.raises(AlreadyVoted):
        spoil(election, alice, revealed(election, alice, [0, 1, 0]))
    assert SpoiledBallot.objects.count() == 0


def test_outsiders_and_closed_elections_cannot_spoil(
    election: Election, alice: User, carol: User
) -> None:
    with pytest.raises(NotOnRoll):
        spoil(election, carol, revealed(election, carol, [1, 0, 0]))
    ballot = revealed(election, alice, [1, 0, 0])
    close_election(election)
    with pytest.raises(ElectionNotOpen):
        spoil(election, alice, ballot)
    assert SpoiledBallot.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"choice": [1, 0, 0]},
            r"selection 0 \(Ada\): the choice says 1, the ciphertext encrypts 0",
        ),
        ({"choice": [1, 1, 0]}, "2 selections outside 1..1"),
        ({"choice": [0, 2, 0]}, "every choice must be the integer 0 or 1"),
        ({"choice": [0, 1]}, "choice needs one entry per candidate"),
        ({"randomness": ["00" * 32, "11" * 32, "22" * 32]}, r"selection 0 \(Ada\): the revealed"),
        ({"randomness": ["zz"]}, r"randomness\[0\]"),
        ({"ballot_json": b"{}"}, "ballot rejected"),
    ],
)
def test_bad_reveals_are_refused_naming_the_problem(
    election: Election, alice: User, change: dict[str, Any], problem: str
) -> None:
    with pytest.raises(InvalidBallot, match=problem):
        spoil(election, alice, revealed(election, alice, [0, 1, 0]), **change)
    assert SpoiledBallot.objects.count() == 0


def test_another_voters_ballot_is_refused(election: Election, alice: User, bob: User) -> None:
    with pytest.raises(InvalidBallot, match="another voter pseudonym"):
        spoil(election, alice, revealed(election, bob, [0, 1, 0]))
    assert SpoiledBallot.objects.count() == 0


def test_the_tally_counts_the_cast_ballots_only(
    election: Election,
    alice: User,
    bob: User,
    validators: StandInNetwork,
    trustee_keys: dict[int, TrusteeKey],
) -> None:
    validators.commit([])
    for voter, spoiled, cast in ((alice, [1, 0, 0], [0, 1, 0]), (bob, [1, 0, 0], [0, 0, 1])):
        spoil(election, voter, revealed(election, voter, spoiled))
        spoil(election, voter, revealed(election, voter, [0, 1, 0]))
        cast_ballot(election, voter, ballot_to_json(revealed(election, voter, cast).ballot))
    confirm_on_chain(validators, election)
    tallied = tally_with_trustees(election, trustee_keys, who=(1, 3))
    counts = tally_of(tallied)["counts"]
    assert counts == [0, 1, 1]  # the plain count of the two cast ballots
    assert SpoiledBallot.objects.filter(election=election).count() == 4


def test_the_record_publishes_the_spoiled_ballots_and_verifies(
    election: Election,
    alice: User,
    validators: StandInNetwork,
    trustee_keys: dict[int, TrusteeKey],
    tmp_path: Path,
) -> None:
    validators.commit([])
    spoiled = spoil(election, alice, revealed(election, alice, [0, 0, 1]))
    cast_ballot(election, alice, ballot_to_json(revealed(election, alice, [1, 0, 0]).ballot))
    confirm_on_chain(validators, election)
    record = election_record(tally_with_trustees(election, trustee_keys, who=(1, 3)))
    entries = record["spoiled.json"]["spoiled"]
    assert [(e["tracker"], e["choice"]) for e in entries] == [(spoiled.tracker, [0, 0, 1])]
    bundle = tmp_path / "record.json"
    bundle.write_text(json.dumps(record))
    results = {result.name: result for result in verify_bundle(bundle)}
    assert all(result.passed for result in results.values()), results
    assert results["spoiled ballots"].detail.startswith("1 spoiled ballot")
