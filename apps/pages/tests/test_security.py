"""Attacks through the voter pages: making the server do expensive work on demand."""

from __future__ import annotations

from typing import Any

import pytest

from apps.accounts.models import User
from apps.elections.models import Election
from apps.pages.tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_election_record_is_built_once_not_on_every_download(
    alice: User, tallied: Election, django_assert_max_num_queries: Any
) -> None:
    client = client_for(alice)
    first = client.get(f"/elections/{tallied.pk}/record.json")
    assert first.status_code == 200
    # session and user, the election and its roll check: nothing of the record itself
    with django_assert_max_num_queries(3):
        again = client.get(f"/elections/{tallied.pk}/record.json")
    assert again.content == first.content


def test_the_verify_page_asks_the_validators_at_most_once_in_a_while(
    alice: User, election: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def verification(chain_election_id: str) -> dict[str, Any]:
        asked.append(chain_election_id)
        return {"valid": True, "agree": True, "validators": []}

    monkeypatch.setattr("apps.network.verification.verify_election_on_chain", verification)
    client = client_for(alice)
    for _ in range(5):
        assert client.get(f"/elections/{election.pk}/verify/").status_code == 200
    assert asked == [election.chain_election_id]
