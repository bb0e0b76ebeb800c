"""The domain verbs end to end in one process: open, cast (both paths), refuse, close, count."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.chain.reading import ElectionChain
from apps.elections import tally
from apps.elections.errors import (
    AlreadyVoted,
    DeliveryInProgress,
    ElectionNotOpen,
    InvalidBallot,
    NotOnRoll,
    WrongState,
)
from apps.elections.models import Election
from apps.elections.results import tally_of
from apps.elections.services import (
    VoterRow,
    add_voters,
    close_election,
    create_election,
    open_election,
)
from apps.votes.models import Vote
from apps.votes.services import cast_ballot, cast_choice, voter_pseudonym
from evcrypto import ElectionKey, ballot_to_json, encrypt_ballot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests of the verbs: the chain client is stubbed (the integration tier does not)."""
    monkeypatch.setattr("apps.votes.services._schedule_delivery", lambda: None)


@pytest.fixture
def election() -> Election:
    """An open three-candidate election with alice and bob on the roll; carol is an outsider."""
    created = create_election("Board", ["Ada", "Grace", "Linus"])
    add_voters(created, [VoterRow("alice@example.org", "Alice"), VoterRow("bob@example.org")])
    User.objects.create_user("carol@example.org", "pw")
    return open_election(created)


def user(email: str) -> User:
    return User.objects.get(email=email)


def client_ballot(election: Election, voter: User, choices: list[int]) -> bytes:
    public_key = ElectionKey.from_dict(election.public_key).public_key
    ballot = encrypt_ballot(
        public_key, election.election_hash, voter_pseudonym(election, voter), choices, 1, 1
    )
    return ballot_to_json(ballot)


def test_a_voter_on_the_roll_casts_a_ballot_once(election: Election) -> None:
    alice = user("alice@example.org")
    vote = cast_ballot(election, alice, client_ballot(election, alice, [0, 1, 0]))
    assert vote.status == Vote.Status.PENDING and len(vote.tracker) == 64
    with pytest.raises(AlreadyVoted):
        cast_ballot(election, alice, client_ballot(election, alice, [1, 0, 0]))
    assert Vote.objects.count() == 1


def test_an_outsider_cannot_vote(election: Election) -> None:
    carol = user("carol@example.org")
    with pytest.raises(NotOnRoll):
        cast_ballot(election, carol, client_ballot(election, carol, [1, 0, 0]))


def test_a_ballot_made_for_another_voter_is_refused(election: Election) -> None:
    made_for_bob = client_ballot(election, user("bob@example.org"), [1, 0, 0])
    with pytest.raises(InvalidBallot):
        cast_ballot(election, user("alice@example.org"), made_for_bob)
    assert Vote.objects.count() == 0


def test_a_closed_election_takes_no_votes(election: Election) -> None:
    close_election(election)
    with pytest.raises(ElectionNotOpen):
        cast_choice(election, user("alice@example.org"), [election.candidates.first().pk])


def test_the_tally_counts_the_ballots_on_chain(
    election: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    candidates = list(election.candidates.order_by("position"))
    cast_choice(election, user("alice@example.org"), [candidates[1].pk])
    cast_choice(election, user("bob@example.org"), [candidates[1].pk])
    votes = list(Vote.objects.all())
    close_election(election)
    with pytest.raises(DeliveryInProgress):  # neither vote is confirmed yet
        tally.tally_election(election)
    Vote.objects.update(status=Vote.Status.CONFIRMED, block_height=7)
    chain = ElectionChain(
        "validator-1",
        [tally_ballot(v) for v in votes],
        {"valid": True},
    )
    monkeypatch.setattr(tally, "election_chain", lambda _: chain)
    tallied = tally.tally_election(election)
    assert tallied.results["counts"] == [0, 2, 0]
    assert tallied.results["ballots"] == 2 and tallied.results["chain_height"] == 7


def tally_ballot(vote: Vote):  # type: ignore[no-untyped-def]
    from apps.chain.reading import ChainBallot

    return ChainBallot(vote.transaction_id, vote.voter_pseudonym, vote.ballot, 7, "ab" * 32)


def test_results_before_the_tally_are_a_wrong_state(election: Election) -> None:
    with pytest.raises(WrongState, match="is not tallied yet"):
        tally_of(election)
