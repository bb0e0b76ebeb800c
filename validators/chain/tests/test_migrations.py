"""Data migrations: what a node's existing database holds survives the upgrade."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(target: tuple[str, str]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True)
def test_0006_moves_the_locked_block_to_its_own_row() -> None:
    old = migrate(("chain", "0005_inbound_message")).loader.project_state(
        ("chain", "0005_inbound_message")
    )
    whole_block = {"header": {"height": 3}, "transactions": [], "parent_certificate": []}
    old.apps.get_model("chain", "ConsensusState").objects.create(
        pk=1, durable={"height": 3}, lock_block=whole_block
    )

    new = migrate(("chain", "0006_locked_block")).loader.project_state(
        ("chain", "0006_locked_block")
    )

    assert new.apps.get_model("chain", "LockedBlock").objects.get(pk=1).block == whole_block
    state = new.apps.get_model("chain", "ConsensusState").objects.get(pk=1)
    assert state.durable == {"height": 3}


@pytest.fixture(autouse=True)
def back_to_the_latest_migration() -> Iterator[None]:
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
