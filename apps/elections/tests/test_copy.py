"""Copy as a new draft: the same ballot, rules and roll; no key, times, votes or results;
only for staff who may add elections."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.elections.copying import COPY_SUFFIX, copy_election
from apps.elections.models import Election
from apps.elections.services import close_election
from apps.elections.tests.test_admin_elections import logged_in
from apps.elections.tests.test_admin_personas import staff
from apps.votes.services import cast_choice

pytestmark = pytest.mark.django_db


@pytest.fixture
def voted(election: Election, alice: User) -> Election:
    """The shared election (2 of 3 trustees), given times, voted in by Alice, then closed."""
    Election.objects.filter(pk=election.pk).update(
        opens_at=timezone.now() - timedelta(hours=1),
        closes_at=timezone.now() + timedelta(hours=1),
        min_selections=0,
    )
    election.refresh_from_db()
    cast_choice(election, alice, [election.candidates.first().pk])  # type: ignore[union-attr]
    return close_election(election)


def check_copy(copy: Election, source: Election) -> None:
    assert copy.pk != source.pk and copy.title == source.title + COPY_SUFFIX
    assert copy.state == Election.State.DRAFT
    assert (copy.description, copy.min_selections, copy.max_selections, copy.threshold) == (
        source.description,
        source.min_selections,
        source.max_selections,
        source.threshold,
    )
    names = list(copy.candidates.order_by("position").values_list("position", "name"))
    assert names == list(source.candidates.order_by("position").values_list("position", "name"))
    roll = set(copy.roll.values_list("user__email", flat=True))
    assert roll == set(source.roll.values_list("user__email", flat=True)) and len(roll) == 2
    assert not copy.roll.filter(voted_at__isnull=False).exists()
    assert copy.chain_election_id != source.chain_election_id
    assert (copy.opens_at, copy.closes_at, copy.opened_at, copy.closed_at) == (None,) * 4
    assert (copy.ceremony_id, copy.election_hash) == ("", "")
    assert copy.public_key is copy.parameters is copy.results is copy.aggregate is None
    assert not copy.trustees.exists() and not copy.votes.exists()  # type: ignore[attr-defined]


def test_an_official_copies_an_election_as_a_new_draft_and_lands_on_it(
    voted: Election, official: User
) -> None:
    response = logged_in(official).post(
        reverse("admin:elections_election_copy", args=[voted.pk]), follow=True
    )
    copy = Election.objects.exclude(pk=voted.pk).get()
    assert response.redirect_chain[-1][0] == reverse(
        "admin:elections_election_change", args=[copy.pk]
    )
    assert "copied as this new draft, with its candidates and its roll of 2 voters" in (
        response.content.decode()
    )
    check_copy(copy, voted)
    assert Election.objects.get(pk=voted.pk).state == Election.State.CLOSED


def test_the_copy_button_is_on_the_election_page_for_those_who_may_add(
    voted: Election, official: User, observer: User
) -> None:
    url = reverse("admin:elections_election_change", args=[voted.pk])
    copy_url = reverse("admin:elections_election_copy", args=[voted.pk])
    assert copy_url in logged_in(official).get(url).content.decode()
    assert copy_url not in logged_in(observer).get(url).content.decode()


def test_the_changelist_action_copies_each_selected_election(
    voted: Election, official: User
) -> None:
    logged_in(official).post(
        reverse("admin:elections_election_changelist"),
        {"action": "copy_elections", "_selected_action": [voted.pk]},
    )
    check_copy(Election.objects.exclude(pk=voted.pk).get(), voted)


def test_copying_is_refused_without_add_election_and_to_voters(
    voted: Election, observer: User, alice: User
) -> None:
    url = reverse("admin:elections_election_copy", args=[voted.pk])
    changer = staff("chad@example.org", ["view_election", "change_election"])
    changer = User.objects.get(pk=changer.pk)
    assert not changer.has_perm("elections.add_election")
    assert logged_in(changer).post(url).status_code == 403
    assert logged_in(observer).post(url).status_code == 403
    refused = logged_in(alice).post(url)
    assert refused.status_code == 302 and "/admin/login/" in refused["Location"]
    assert logged_in(changer).get(url).status_code == 405
    assert Election.objects.count() == 1
    assert Permission.objects.filter(codename="add_election").exists()


def test_a_copy_of_a_copy_is_a_copy_of_the_same_ballot(voted: Election) -> None:
    again = copy_election(copy_election(voted))
    assert again.title == voted.title + COPY_SUFFIX * 2
    assert list(again.candidates.values_list("name", flat=True)) == list(
        voted.candidates.values_list("name", flat=True)
    )
