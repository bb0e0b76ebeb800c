"""All validators down: votes go to the fallback chain; validators back: every fallback vote
is replayed and confirmed exactly once. Real validators, real ballots, nothing stubbed but
the web's hand-off to the worker (this test plays the worker's beat itself)."""

from __future__ import annotations

import pytest
import requests

from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.services import VoterRow, add_voters
from apps.fallback.integrity import check_fallback_chain
from apps.fallback.models import FallbackBlock
from apps.fallback.replay import replay_fallback_votes
from apps.network.delivery import deliver_pending_votes, poll_receipts, resend_stale_votes
from apps.network.health import healthy_count, refresh_validator_health
from apps.network.verification import verify_election_on_chain
from apps.trustees.tests.ceremony import open_with_trustees
from apps.votes.models import Vote
from apps.votes.services import cast_choice
from tests.integration.cluster import Cluster, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def worker_driven_by_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("apps.votes.services._schedule_delivery", lambda: None)


def cast(election: Election, first: int, count: int) -> None:
    """Voters `first`.. (on the roll from the start: see the test) vote for the first candidate."""
    candidate = election.candidates.first()
    for i in range(first, first + count):
        cast_choice(election, User.objects.get(email=f"voter{i}@example.org"), [candidate.pk])


def replayed_and_confirmed() -> bool:
    """One pass of the worker's beat; true once every vote is confirmed."""
    refresh_validator_health()
    replay_fallback_votes()
    poll_receipts()
    resend_stale_votes()
    return not Vote.objects.exclude(status=Vote.Status.CONFIRMED).exists()


def chain_pseudonyms(cluster: Cluster, node_id: str, election: Election) -> list[str]:
    response = requests.get(
        cluster.url(node_id) + "/blockchain",
        params={"election_id": election.chain_election_id},
        timeout=10,
    )
    return [t["voter_pseudonym"] for t in response.json()["transactions"]]


def test_votes_survive_a_full_outage_and_are_replayed_exactly_once(
    cluster: Cluster, election: Election
) -> None:
    add_voters(election, [VoterRow(f"voter{i}@example.org") for i in range(9)])
    election = open_with_trustees(election)
    for node_id in cluster.nodes:
        cluster.kill_node(node_id)
    refresh_validator_health()
    assert healthy_count() == 0

    cast(election, 0, 6)
    assert deliver_pending_votes().fallback == 6
    cast(election, 6, 3)
    assert deliver_pending_votes().fallback == 3
    assert set(Vote.objects.values_list("status", flat=True)) == {"fallback"}
    assert check_fallback_chain().to_dict() == {"valid": True, "length": 2, "problems": []}
    assert replay_fallback_votes().skipped == "no healthy validator"

    for node_id in cluster.nodes:
        cluster.start_node(node_id)
    for node_id in cluster.nodes:
        cluster.wait_ready(node_id)
    wait_until(replayed_and_confirmed, 30, "every fallback vote replayed and confirmed")

    expected = sorted(Vote.objects.values_list("voter_pseudonym", flat=True))
    for node_id in cluster.nodes:
        wait_until(lambda n=node_id: len(chain_pseudonyms(cluster, n, election)) >= 9, 10, node_id)
        assert sorted(chain_pseudonyms(cluster, node_id, election)) == expected
    replay_fallback_votes()  # blocks are marked replayed as soon as all their votes confirm
    assert FallbackBlock.objects.filter(replayed_at__isnull=True).count() == 0
    assert FallbackBlock.objects.count() == 2
    assert check_fallback_chain().valid
    verification = verify_election_on_chain(election.chain_election_id)
    assert verification["valid"] and verification["agree"]

    block = FallbackBlock.objects.get(index=1)
    block.entries[0]["ballot"] = block.entries[1]["ballot"]
    FallbackBlock.objects.filter(pk=block.pk).update(entries=block.entries)
    integrity = check_fallback_chain()
    assert not integrity.valid
    assert "block 1: contents do not match its hash (edited)" in integrity.problems
