"""Where a trustee reads the validators (--read-at): the readings stay one per validator."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustee import TrusteeError
from trustee.decrypt import check_read_at
from validators.chain.network_files import NetworkParameters, create_network
from validators.core.genesis import Genesis


@pytest.fixture
def genesis(tmp_path: Path) -> Genesis:
    urls = tuple(f"https://v{n}.example.org" for n in (1, 2, 3))
    parameters = NetworkParameters(urls, 1000, 100, 1 << 20, "https://boot.example.org")
    return create_network(tmp_path, parameters)


def test_plain_http_where_genesis_says_https_is_refused_but_on_this_machine(
    genesis: Genesis,
) -> None:
    with pytest.raises(TrusteeError, match="reads validator-2 over plain HTTP"):
        check_read_at(genesis, {"validator-2": "http://10.0.0.2:8000"})
    check_read_at(genesis, {"validator-2": "http://127.0.0.1:18002"})  # a tunnel, say
    check_read_at(genesis, {"validator-2": "https://10.0.0.2"})


def test_a_validator_read_at_another_ones_genesis_address_is_refused(genesis: Genesis) -> None:
    with pytest.raises(TrusteeError, match="reads validator-1 and validator-3 at one address"):
        check_read_at(genesis, {"validator-3": "https://v1.example.org/"})
