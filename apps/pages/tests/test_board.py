"""The public ballot board: every tracker on chain with its block height, paginated, searchable."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.elections.models import Election
from apps.pages.tests.conftest import client_for
from apps.votes.models import Vote

pytestmark = pytest.mark.django_db


def board_votes(election: Election, count: int) -> list[Vote]:
    votes = [
        Vote(
            election=election,
            voter_pseudonym=f"{i:064x}",
            ballot="{}",
            tracker=f"{i:064x}"[::-1],
            status=Vote.Status.CONFIRMED,
            block_height=1 + i // 100,
        )
        for i in range(count)
    ]
    return Vote.objects.bulk_create(votes)


def test_the_board_lists_trackers_on_chain_with_their_block(
    alice: User, election: Election
) -> None:
    votes = board_votes(election, 3)
    Vote.objects.create(election=election, voter_pseudonym="p", ballot="{}", tracker="f" * 64)
    page = client_for(alice).get(f"/elections/{election.pk}/board/").content.decode()
    assert all(v.tracker in page for v in votes)
    assert "f" * 64 not in page  # pending: not on chain yet
    assert "3 ballots found." in page


def test_search_by_tracker_prefix(alice: User, election: Election) -> None:
    votes = board_votes(election, 30)
    wanted = votes[17].tracker
    page = (
        client_for(alice)
        .get(f"/elections/{election.pk}/board/", {"tracker": wanted[:12].upper()})
        .content.decode()
    )
    assert wanted in page and "1 ballot found." in page


@pytest.mark.parametrize("query", ["zz", "<script>", "' OR 1=1 --", "x" * 500])
def test_a_bad_search_is_a_message_not_a_crash(alice: User, election: Election, query: str) -> None:
    response = client_for(alice).get(f"/elections/{election.pk}/board/", {"tracker": query})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


@pytest.mark.parametrize("page_number", ["2", "999", "abc", "-1"])
def test_any_page_number_renders(alice: User, election: Election, page_number: str) -> None:
    board_votes(election, 120)
    response = client_for(alice).get(f"/elections/{election.pk}/board/", {"page": page_number})
    assert response.status_code == 200


def test_ten_thousand_ballots_render_a_late_page_in_a_few_queries(
    alice: User, election: Election, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    board_votes(election, 10_000)
    client = client_for(alice)
    client.get(f"/elections/{election.pk}/board/")  # warm up templates
    with django_assert_max_num_queries(8):
        response = client.get(f"/elections/{election.pk}/board/", {"page": "150"})
    assert response.status_code == 200 and "10000 ballots found." in response.content.decode()


def test_an_outsider_sees_no_board(carol: User, election: Election) -> None:
    assert client_for(carol).get(f"/elections/{election.pk}/board/").status_code == 404
