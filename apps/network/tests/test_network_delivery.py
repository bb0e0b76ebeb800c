"""The network client against real validators (three nodes, 1 s blocks, nothing stubbed):
batched delivery and confirmation, failover past a kill -9, a vote sent twice counted once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from pytest_django.fixtures import SettingsWrapper

from apps.elections.models import Election
from apps.network.delivery import deliver_pending_votes, poll_receipts, resend_stale_votes
from apps.network.health import healthy_count, refresh_validator_health
from apps.network.verification import verify_election_on_chain
from apps.votes.models import Vote
from tests.integration.cluster import Cluster, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

MakeVotes = Callable[[int], list[Vote]]


def on_chain(cluster: Cluster, node_id: str, election: Election) -> list[dict]:
    response = requests.get(
        cluster.url(node_id) + "/blockchain",
        params={"election_id": election.chain_election_id},
        timeout=10,
    )
    return response.json()["transactions"]


def all_confirmed() -> bool:
    """One pass of what the worker's beat does; true once every vote is confirmed."""
    deliver_pending_votes()
    poll_receipts()
    resend_stale_votes()
    return not Vote.objects.exclude(status=Vote.Status.CONFIRMED).exists()


def assert_once_each(cluster: Cluster, node_id: str, election: Election) -> None:
    """Every outbox vote is on the node's chain exactly once, where its receipt said."""
    txs = on_chain(cluster, node_id, election)
    pseudonyms = [t["voter_pseudonym"] for t in txs]
    assert len(pseudonyms) == len(set(pseudonyms)) == Vote.objects.count()
    placed = {t["tx_id"]: (t["block_height"], t["block_hash"]) for t in txs}
    for vote in Vote.objects.all():
        assert placed[vote.transaction_id] == (vote.block_height, vote.block_hash)


def test_votes_go_out_in_one_batch_and_are_confirmed_on_every_validator(
    cluster: Cluster, election: Election, make_votes: MakeVotes
) -> None:
    make_votes(200)
    refresh_validator_health()
    assert healthy_count() == 3
    report = deliver_pending_votes()
    assert (report.claimed, report.admitted) == (200, 200)
    wait_until(all_confirmed, 15, "every vote confirmed")
    for node_id in cluster.nodes:
        wait_until(
            lambda n=node_id: len(on_chain(cluster, n, election)) == 200, 10, f"200 on {node_id}"
        )
        assert_once_each(cluster, node_id, election)
    result = verify_election_on_chain(election.chain_election_id)
    assert result["valid"] is True and result["agree"] is True
    assert [v["valid"] for v in result["validators"]] == [True] * 3


def test_a_killed_validator_is_failed_over_and_no_vote_is_lost(
    cluster: Cluster, election: Election, make_votes: MakeVotes, settings: SettingsWrapper
) -> None:
    settings.CHAIN_RESEND_AFTER_SECONDS = 3  # votes the killed node held are sent again soon
    refresh_validator_health()
    make_votes(30)
    for _ in range(3):  # rotation: one batch per validator, validator-2 included
        assert deliver_pending_votes(limit=10).admitted == 10
    cluster.kill_node("validator-2")  # perhaps before it gossiped or proposed them
    reports = []
    for _ in range(3):  # health is stale: one of these batches starts at the dead node
        make_votes(5)
        reports.append(deliver_pending_votes())
    assert all(r.admitted == 5 and r.node_id != "validator-2" for r in reports)
    assert any(r.failed_over == ("validator-2",) for r in reports)
    rows = {r.node_id: r for r in refresh_validator_health()}
    assert rows["validator-2"].status == "unreachable"
    assert rows["validator-1"].status == rows["validator-3"].status == "healthy"
    wait_until(all_confirmed, 20, "every vote confirmed with validator-2 down")
    assert_once_each(cluster, "validator-1", election)
    assert Vote.objects.count() == 45


def test_a_vote_sent_again_and_again_is_on_chain_once(
    cluster: Cluster, election: Election, make_votes: MakeVotes
) -> None:
    vote = make_votes(1)[0]
    assert deliver_pending_votes().admitted == 1
    Vote.objects.update(status=Vote.Status.PENDING)  # its admission was lost: send again
    assert deliver_pending_votes().duplicates == 1
    wait_until(all_confirmed, 10, "the vote confirmed")
    Vote.objects.update(status=Vote.Status.PENDING)  # and again once it is in a block
    assert deliver_pending_votes().duplicates == 1
    wait_until(all_confirmed, 10, "the vote confirmed again")
    # Even under another transaction id the voter's second ballot is refused.
    Vote.objects.update(status=Vote.Status.PENDING, transaction_id="f" * 32)
    assert deliver_pending_votes().duplicates == 1
    txs = on_chain(cluster, "validator-1", election)
    assert [t["tx_id"] for t in txs] == [vote.transaction_id]
