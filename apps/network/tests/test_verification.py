"""verify_election_on_chain: every validator verifies its own chain; do they agree?"""

from __future__ import annotations

import pytest

from apps.network.tests.fakes import FakeNetwork
from apps.network.verification import verify_election_on_chain

pytestmark = pytest.mark.django_db


def by_node(result: dict) -> dict[str, dict]:
    return {v["node_id"]: v for v in result["validators"]}


def test_validators_at_the_same_height_with_the_same_hash_agree(
    fake_network: FakeNetwork,
) -> None:
    for _ in range(3):
        fake_network.commit()
    result = verify_election_on_chain("election-1")
    assert result["valid"] is True and result["agree"] is True
    assert {v["height"] for v in result["validators"]} == {3}
    assert set(by_node(result)["validator-1"]) >= {"node_id", "height", "last_hash", "valid"}


def test_a_lagging_validator_agrees_when_its_head_is_in_the_higher_chain(
    fake_network: FakeNetwork,
) -> None:
    for _ in range(5):
        fake_network.commit()
    fake_network.lagging["validator-3"] = 2
    result = verify_election_on_chain("election-1")
    assert result["agree"] is True
    assert by_node(result)["validator-3"]["height"] == 3


def test_a_validator_on_another_chain_does_not_agree(fake_network: FakeNetwork) -> None:
    for _ in range(5):
        fake_network.commit()
    fake_network.lagging["validator-2"] = 1
    fake_network.forked.add("validator-2")
    result = verify_election_on_chain("election-1")
    assert result["agree"] is False and by_node(result)["validator-2"]["agrees"] is False


def test_an_unreachable_validator_is_listed_and_the_others_still_decide(
    fake_network: FakeNetwork,
) -> None:
    fake_network.commit()
    fake_network.modes["validator-1"] = "down"
    result = verify_election_on_chain("election-1")
    assert result["valid"] is True and result["agree"] is True
    assert by_node(result)["validator-1"]["reachable"] is False


def test_with_no_validator_answering_nothing_is_valid(fake_network: FakeNetwork) -> None:
    fake_network.set_all("down")
    result = verify_election_on_chain("election-1")
    assert result["valid"] is False and result["agree"] is False
