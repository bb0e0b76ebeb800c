"""The chain pages of the admin: validator health with "refresh now", and the fallback chain
under its integrity state. The validators are the network tests' in-memory fake network."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.tests.test_admin_personas import Personas, meet_the_personas
from apps.fallback.blocks import append_to_fallback
from apps.fallback.models import FallbackBlock
from apps.network.delivery import claim_votes
from apps.network.models import ValidatorHealth
from apps.network.tests.fakes import FakeNetwork
from apps.network.tests.network import election, fake_network
from apps.votes.models import Vote

# Fixtures shared with the network and fallback tests.
__all__ = ["election", "fake_network"]

pytestmark = pytest.mark.django_db

HEALTH = reverse("admin:network_validatorhealth_changelist")
REFRESH = reverse("admin:network_validatorhealth_refresh")
FALLBACK = reverse("admin:fallback_fallbackblock_changelist")


@pytest.fixture
def people() -> Personas:
    return meet_the_personas()


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def health_row(node: int, status: str, height: int, **fields: object) -> ValidatorHealth:
    now = timezone.now()
    defaults = {"latency_ms": 12, "last_seen_at": now - timedelta(seconds=30), "checked_at": now}
    return ValidatorHealth.objects.create(
        node_id=f"validator-{node}",
        url=f"http://127.0.0.1:800{node}",
        status=status,
        height=height,
        **{**defaults, **fields},
    )


def test_the_health_page_shows_each_validator_against_the_best_one(people: Personas) -> None:
    health_row(1, "healthy", 40)
    health_row(2, "degraded", 33, latency_ms=900, error="7 blocks behind")
    health_row(3, "unreachable", 12, latency_ms=None, last_seen_at=None, evidence_count=2)
    response = logged_in(people.official).get(HEALTH)
    assert response.status_code == 200
    page = response.text
    assert "1 of 3 validators healthy" in page
    assert '<strong style="color: #2a7d2a">healthy</strong>' in page
    assert '<strong style="color: #b36b00">degraded</strong>' in page
    assert '<strong style="color: #ba2121">unreachable</strong>' in page
    assert "<td>0 blocks</td>" in page and "<td>7 blocks</td>" in page
    assert "<td>28 blocks</td>" in page
    assert "900 ms" in page and "7 blocks behind" in page
    assert re.search(r"<td title=\"[^\"]+\">3[0-2] s ago</td>", page) and "<td>never</td>" in page
    assert '<strong style="color: #ba2121">2</strong>' in page


def test_the_health_page_says_when_no_check_has_run(people: Personas) -> None:
    response = logged_in(people.observer).get(HEALTH)
    assert response.status_code == 200
    assert "No health check has run yet" in response.text


def test_refresh_now_polls_every_validator(people: Personas, fake_network: FakeNetwork) -> None:
    fake_network.modes["validator-3"] = "down"
    response = logged_in(people.official).post(REFRESH, follow=True)
    assert "Health refreshed: 2 of 3 validators healthy" in response.text
    statuses = dict(ValidatorHealth.objects.values_list("node_id", "status"))
    assert statuses == {
        "validator-1": "healthy",
        "validator-2": "healthy",
        "validator-3": "unreachable",
    }


def test_refresh_takes_only_posts(people: Personas) -> None:
    assert logged_in(people.official).get(REFRESH).status_code == 405


def test_the_chain_pages_are_closed_to_voters_and_outsiders(people: Personas) -> None:
    for user in (people.voter, people.outsider):
        for url in (HEALTH, FALLBACK):
            response = logged_in(user).get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("admin:login"))
        assert logged_in(user).post(REFRESH).status_code == 302
    assert not ValidatorHealth.objects.exists()


def park_votes(election: Election, count: int) -> FallbackBlock:
    """What delivery does when no validator answers: claim the votes, then append a block."""
    start = Vote.objects.count()
    votes = [
        Vote.objects.create(
            election=election,
            voter_pseudonym=f"{n:064x}",
            ballot=f'{{"secret ballot": {n}}}',
            tracker=f"{n:062x}ff",
        )
        for n in range(start, start + count)
    ]
    block = append_to_fallback(claim_votes(Vote.objects.filter(pk__in=[v.pk for v in votes]), 9))
    assert block is not None
    return block


def test_the_fallback_chain_page_lists_blocks_under_an_intact_state(
    people: Personas, fake_network: FakeNetwork, election: Election
) -> None:
    park_votes(election, 2)
    block = park_votes(election, 1)
    response = logged_in(people.official).get(FALLBACK)
    assert response.status_code == 200
    assert "Fallback chain intact:\n    2 blocks" in response.text
    assert block.block_hash[:16] in response.text
    ballot = block.entries[0]["ballot"]
    pseudonym = block.entries[0]["voter_pseudonym"]
    detail = logged_in(people.official).get(
        reverse("admin:fallback_fallbackblock_change", args=[block.pk])
    )
    assert detail.status_code == 200
    assert block.entries[0]["transaction_id"] in detail.text
    assert block.entries[0]["tracker"] in detail.text
    for page in (response.text, detail.text):
        for secret in (ballot, escape(ballot), pseudonym):
            assert secret not in page


def test_an_edited_block_shows_the_chain_invalid(
    people: Personas, fake_network: FakeNetwork, election: Election
) -> None:
    block = park_votes(election, 2)
    edited = [{**block.entries[0], "tracker": "f" * 64}, block.entries[1]]
    FallbackBlock.objects.filter(pk=block.pk).update(entries=edited)
    response = logged_in(people.observer).get(FALLBACK)
    assert response.status_code == 200
    assert "Fallback chain INVALID" in response.text
    assert "Fallback chain intact" not in response.text
