"""Casting a ballot through the vote verbs: a client-made ballot or a choice the server
encrypts, once per voter on the roll, refused for outsiders, other voters' ballots and closed
elections. Delivery to the validators is stubbed (apps/conftest.py)."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.elections.errors import AlreadyVoted, ElectionNotOpen, InvalidBallot, NotOnRoll
from apps.elections.models import Election
from apps.elections.services import ballot_rules, close_election
from apps.votes.models import Vote
from apps.votes.services import cast_ballot, cast_choice, voter_pseudonym
from evcrypto import ballot_to_json, encrypt_ballot

pytestmark = pytest.mark.django_db


def client_ballot(election: Election, voter: User, choices: list[int]) -> bytes:
    rules = ballot_rules(election)
    pseudonym = voter_pseudonym(election, voter)
    return ballot_to_json(encrypt_ballot(rules.parameters, rules.public_key, pseudonym, choices))


def test_a_voter_on_the_roll_casts_a_ballot_once(election: Election, alice: User) -> None:
    vote = cast_ballot(election, alice, client_ballot(election, alice, [0, 1, 0]))
    assert vote.status == Vote.Status.PENDING and len(vote.tracker) == 64
    with pytest.raises(AlreadyVoted):
        cast_ballot(election, alice, client_ballot(election, alice, [1, 0, 0]))
    assert Vote.objects.count() == 1


def test_an_outsider_cannot_vote(election: Election, carol: User) -> None:
    with pytest.raises(NotOnRoll):
        cast_ballot(election, carol, client_ballot(election, carol, [1, 0, 0]))


def test_a_ballot_made_for_another_voter_is_refused(
    election: Election, alice: User, bob: User
) -> None:
    made_for_bob = client_ballot(election, bob, [1, 0, 0])
    with pytest.raises(InvalidBallot):
        cast_ballot(election, alice, made_for_bob)
    assert Vote.objects.count() == 0


def test_a_closed_election_takes_no_votes(election: Election, alice: User) -> None:
    close_election(election)
    with pytest.raises(ElectionNotOpen):
        cast_choice(election, alice, [election.candidates.first().pk])
