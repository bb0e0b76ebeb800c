"""An election's verbs end to end in one process: it opens only once its key ceremony is
complete, and once closed its tally counts the ballots on chain. Delivery to the validators is
stubbed (apps/conftest.py): the stand-in validators hold what the test commits."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.conftest import TRUSTEES
from apps.elections import tally
from apps.elections.errors import DeliveryInProgress, WrongState
from apps.elections.models import Election
from apps.elections.results import tally_of
from apps.elections.services import close_election, open_election
from apps.elections.tests.chain import confirm_on_chain
from apps.trustees.services import name_trustees
from apps.trustees.tests.ceremony import decrypt_as_trustees
from apps.votes.services import cast_choice
from evcrypto import TrusteeKey
from tests.standin_validators import StandInNetwork

pytestmark = pytest.mark.django_db


def test_an_election_opens_only_once_its_key_ceremony_is_complete(
    draft_election: Election,
) -> None:
    with pytest.raises(WrongState, match="no trustees are named"):
        open_election(draft_election)
    name_trustees(draft_election, TRUSTEES)
    with pytest.raises(WrongState, match="trustee 1 .*: publish an encryption key"):
        open_election(draft_election)
    assert Election.objects.get(pk=draft_election.pk).state == Election.State.DRAFT


def test_the_tally_counts_the_ballots_on_chain(
    election: Election,
    alice: User,
    bob: User,
    validators: StandInNetwork,
    trustee_keys: dict[int, TrusteeKey],
) -> None:
    candidates = list(election.candidates.order_by("position"))
    cast_choice(election, alice, [candidates[1].pk])
    cast_choice(election, bob, [candidates[1].pk])
    close_election(election)
    with pytest.raises(DeliveryInProgress):  # neither vote is confirmed yet
        tally.tally_election(election)
    height = confirm_on_chain(validators, election)
    started = tally.tally_election(election)
    assert started.state == Election.State.TALLYING and started.results is None
    tallied = decrypt_as_trustees(started, trustee_keys, [2, 3])
    assert tallied.results["counts"] == [0, 2, 0]
    assert tallied.results["ballots"] == 2
    assert tallied.results["report"]["chain_height"] == height


def test_results_before_the_tally_are_a_wrong_state(election: Election) -> None:
    with pytest.raises(WrongState, match="is not tallied yet"):
        tally_of(election)
