"""Personas for bootnode tests, over a fresh genesis in tmp_path for every test.

alice, bob and carol are validator-1..3 in genesis, each holding its own key.
mallory claims the id validator-9 with a key genesis has never heard of: she should get nothing
registered, and nothing she sends should change the registry.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest
from pytest_django.fixtures import SettingsWrapper

from validators.bootnode.tests.testing import Network, Node

BOOTNODE_SETTINGS = "validators.bootnode.settings"

# The bootnode is its own Django project: run these as
# `pytest validators/bootnode/tests --ds=validators.bootnode.settings`. Under another project's
# settings its app is not installed, so they stay out of that run (with a warning) instead of
# breaking it.
if os.environ.get("DJANGO_SETTINGS_MODULE") != BOOTNODE_SETTINGS:
    collect_ignore_glob = ["test_*.py"]
    warnings.warn(f"bootnode tests skipped: run them with --ds={BOOTNODE_SETTINGS}", stacklevel=1)


@pytest.fixture
def network(tmp_path: Path, settings: SettingsWrapper) -> Network:
    network = Network.generate(tmp_path / "network")
    settings.NETWORK_DIR = network.directory
    settings.BOOTNODE_PEER_TTL_SECONDS = 30
    return network


@pytest.fixture
def alice(network: Network) -> Node:
    return network.validators[0]


@pytest.fixture
def bob(network: Network) -> Node:
    return network.validators[1]


@pytest.fixture
def carol(network: Network) -> Node:
    return network.validators[2]


@pytest.fixture
def mallory(network: Network) -> Node:
    return network.impostor
