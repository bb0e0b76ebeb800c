"""What the tally does when someone with the server's database, or one validator, tries to get
a single ballot decrypted or the count changed. Each attack ends without a decryption or with
the right count. The trustee command's own refusals are in
apps/trustees/tests/test_trustee_command.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.accounts.models import User
from apps.elections.errors import (
    DomainError,
    FallbackNotReplayed,
    InvalidPartialDecryption,
    TallyUnavailable,
)
from apps.elections.models import Election
from apps.elections.services import close_election
from apps.elections.tally import begin_tally
from apps.elections.tests.chain import confirm_on_chain
from apps.trustees.models import Trustee
from apps.trustees.tests.ceremony import decrypt_as_trustees
from apps.votes.models import Vote
from apps.votes.services import cast_choice
from evcrypto import Aggregate, ElectionKey, TrusteeKey, partial_decrypt
from tests.standin_validators import StandInNetwork

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(election: Election, alice: User, bob: User, validators: StandInNetwork) -> Election:
    """Alice chose Ada and Bob chose Linus; both ballots are in block 2; voting is closed."""
    names = list(election.candidates.order_by("position"))
    validators.commit([])
    cast_choice(election, alice, [names[0].pk])
    cast_choice(election, bob, [names[2].pk])
    confirm_on_chain(validators, election)
    return close_election(election)


def untouched(election: Election) -> None:
    election.refresh_from_db()
    assert election.state == Election.State.CLOSED and election.aggregate is None


def test_a_vote_marked_fallback_in_the_database_stops_the_tally(closed: Election) -> None:
    Vote.objects.filter(pk=Vote.objects.first().pk).update(status=Vote.Status.FALLBACK)
    Election.objects.filter(pk=closed.pk).update(chain_election_id="nothing-here")
    closed.refresh_from_db()
    with pytest.raises(FallbackNotReplayed, match="never decrypted on their own"):
        begin_tally(closed)
    untouched(closed)


def test_an_election_pointed_at_another_chain_id_is_not_tallied(closed: Election) -> None:
    Election.objects.filter(pk=closed.pk).update(chain_election_id="another-election")
    closed.refresh_from_db()
    with pytest.raises(DomainError, match="differs from the one its trustees' key is bound to"):
        begin_tally(closed)
    untouched(closed)


def test_rewriting_the_parameters_to_match_breaks_the_hash_the_trustees_signed(
    closed: Election,
) -> None:
    parameters = closed.parameters | {"election_id": "another-election"}
    Election.objects.filter(pk=closed.pk).update(
        chain_election_id="another-election", parameters=parameters
    )
    closed.refresh_from_db()
    with pytest.raises(DomainError, match="do not hash to the election hash"):
        begin_tally(closed)
    untouched(closed)


def lie_extra(network: StandInNetwork) -> None:
    extra = network.transaction("tx-extra", "whatever", "v" * 64, '{"ballot":1}')
    network.add_transaction("validator-2", 2, extra)


def lie_drop(network: StandInNetwork) -> None:
    network.drop_transaction("validator-2", 2)


def lie_forge(network: StandInNetwork) -> None:
    network.forge_certificate("validator-2", 2)


@pytest.mark.parametrize(
    "lie, problem",
    [
        (lie_extra, "block 2: commit certificate"),
        (lie_drop, "block 2: tx_count does not match the transactions"),
        (lie_forge, "block 2: commit certificate"),
    ],
)
def test_one_lying_validator_is_set_aside_and_named_and_the_count_is_right(
    closed: Election,
    validators: StandInNetwork,
    trustee_keys: dict[int, TrusteeKey],
    lie: Callable[[StandInNetwork], None],
    problem: str,
) -> None:
    lie(validators)
    started = begin_tally(closed)
    report = {v["node_id"]: v for v in started.tally_report["validators"]}
    assert not report["validator-2"]["verified"]
    assert report["validator-2"]["problem"].startswith(problem), report["validator-2"]
    assert report["validator-1"]["verified"] and report["validator-3"]["verified"]
    tallied = decrypt_as_trustees(started, trustee_keys, [1, 2])
    assert tallied.results["counts"] == [1, 0, 1]


def test_a_validator_withholding_a_block_is_named_and_the_others_certify(
    closed: Election, validators: StandInNetwork, trustee_keys: dict[int, TrusteeKey]
) -> None:
    validators.truncate("validator-3", 2)
    started = begin_tally(closed)
    report = {v["node_id"]: v for v in started.tally_report["validators"]}
    assert report["validator-3"]["verified"] and report["validator-3"]["height"] == 1
    assert decrypt_as_trustees(started, trustee_keys, [1, 3]).results["counts"] == [1, 0, 1]


def test_with_two_validators_lying_nothing_is_certified_and_nothing_decrypted(
    closed: Election, validators: StandInNetwork
) -> None:
    validators.forge_certificate("validator-1", 2)
    validators.drop_transaction("validator-3", 2)
    with pytest.raises(TallyUnavailable, match="only 1 of the 2 validators needed"):
        begin_tally(closed)
    untouched(closed)


def test_two_validators_withholding_a_ballot_stop_the_tally(
    closed: Election, validators: StandInNetwork
) -> None:
    validators.truncate("validator-1", 2)
    validators.truncate("validator-2", 2)
    with pytest.raises(TallyUnavailable, match="2 accepted votes are not held by 2 validators"):
        begin_tally(closed)
    untouched(closed)


def test_a_bad_partial_decryption_is_refused_with_the_trustees_name(
    closed: Election, trustee_keys: dict[int, TrusteeKey]
) -> None:
    started = begin_tally(closed)
    group = ElectionKey.from_dict(started.public_key).group
    encrypted = Aggregate.from_dict(group, started.aggregate)
    wrong_key = TrusteeKey(group, 2, (trustee_keys[2].secret + 1) % group.order)
    partial = partial_decrypt(wrong_key, encrypted, started.election_hash)
    with pytest.raises(InvalidPartialDecryption) as refused:
        from apps.elections.tally import accept_partial_decryption

        accept_partial_decryption(Trustee.objects.get(election=started, index=2), partial.to_dict())
    assert refused.value.detail.startswith(
        "partial decryption from trustee 2 (theo@example.org) refused: trustee 2: decryption "
        "proof for candidate 0 does not verify"
    )
    started.refresh_from_db()
    assert started.state == Election.State.TALLYING and not started.decryption_shares.exists()
