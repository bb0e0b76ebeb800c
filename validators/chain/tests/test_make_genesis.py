"""make_genesis: a new network's genesis.json and keys, and refusing to clobber an existing one."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from validators.core.genesis import load_genesis
from validators.core.keys import SigningKey

REPO_DIR = Path(__file__).resolve().parents[3]


def make_genesis(network_dir: Path, *args: str) -> None:
    call_command(
        "make_genesis", "--network-dir", str(network_dir), *args, stdout=open(os.devnull, "w")
    )


def test_it_writes_three_validators_with_a_majority_quorum(tmp_path: Path) -> None:
    make_genesis(tmp_path)
    genesis = load_genesis(tmp_path / "genesis.json")
    assert genesis.validator_ids == ("validator-1", "validator-2", "validator-3")
    assert [v.url for v in genesis.validators] == [
        "http://127.0.0.1:8001",
        "http://127.0.0.1:8002",
        "http://127.0.0.1:8003",
    ]
    assert genesis.quorum == 2
    assert re.fullmatch(r"evoting-[0-9a-f]{8}", genesis.chain_id)
    assert genesis.block_interval_ms == 5000
    assert genesis.max_block_txs == 5000
    assert genesis.max_payload_bytes == 65536
    assert genesis.bootnode_url == "http://127.0.0.1:8546"
    assert [submitter_id for submitter_id, _ in genesis.submitters] == ["backend"]


def test_quorum_is_floor_half_plus_one(tmp_path: Path) -> None:
    make_genesis(tmp_path, "--validators", "4")
    assert load_genesis(tmp_path / "genesis.json").quorum == 3


def test_every_key_is_private_and_matches_its_public_key(tmp_path: Path) -> None:
    make_genesis(tmp_path)
    genesis = load_genesis(tmp_path / "genesis.json")
    public_keys = {v.id: v.public_key for v in genesis.validators} | dict(genesis.submitters)
    for participant_id, public_key in public_keys.items():
        path = tmp_path / "keys" / f"{participant_id}.key"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert SigningKey.load(path).public_key == public_key


def test_each_network_gets_its_own_chain_id_and_keys(tmp_path: Path) -> None:
    make_genesis(tmp_path / "a")
    make_genesis(tmp_path / "b")
    first, second = (
        load_genesis(tmp_path / "a/genesis.json"),
        load_genesis(tmp_path / "b/genesis.json"),
    )
    assert first.chain_id != second.chain_id
    assert first.validators[0].public_key != second.validators[0].public_key


def test_it_takes_ports_host_and_chain_parameters_from_options(tmp_path: Path) -> None:
    make_genesis(
        tmp_path,
        *("--validators", "2", "--base-port", "9001", "--host", "10.0.0.5"),
        *("--interval-ms", "250", "--max-block-txs", "10", "--max-payload-bytes", "1024"),
        *("--bootnode-url", "http://10.0.0.5:8546"),
    )
    genesis = load_genesis(tmp_path / "genesis.json")
    assert [v.url for v in genesis.validators] == ["http://10.0.0.5:9001", "http://10.0.0.5:9002"]
    assert (genesis.block_interval_ms, genesis.max_block_txs, genesis.max_payload_bytes) == (
        250,
        10,
        1024,
    )
    assert genesis.bootnode_url == "http://10.0.0.5:8546"


def test_a_url_template_names_services_instead_of_ports(tmp_path: Path) -> None:
    make_genesis(tmp_path, "--url-template", "http://validator-{n}:8000")
    urls = [v.url for v in load_genesis(tmp_path / "genesis.json").validators]
    assert urls == [f"http://validator-{n}:8000" for n in (1, 2, 3)]


def test_a_url_template_without_the_number_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"\{n\}"):
        make_genesis(tmp_path, "--url-template", "http://validator:8000")


def test_the_interval_defaults_to_block_interval_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLOCK_INTERVAL", "0.5")
    make_genesis(tmp_path)
    assert load_genesis(tmp_path / "genesis.json").block_interval_ms == 500


def test_it_refuses_to_overwrite_a_network_without_force(tmp_path: Path) -> None:
    make_genesis(tmp_path)
    before = (tmp_path / "genesis.json").read_text()
    with pytest.raises(CommandError, match="already exists.*--force"):
        make_genesis(tmp_path)
    assert (tmp_path / "genesis.json").read_text() == before


def test_it_refuses_when_only_a_key_is_left_over(tmp_path: Path) -> None:
    SigningKey.generate().save(tmp_path / "keys" / "validator-2.key")
    with pytest.raises(CommandError, match="validator-2.key already exists"):
        make_genesis(tmp_path)
    assert not (tmp_path / "genesis.json").exists()


def test_force_replaces_the_network(tmp_path: Path) -> None:
    make_genesis(tmp_path)
    before = load_genesis(tmp_path / "genesis.json")
    make_genesis(tmp_path, "--force")
    assert load_genesis(tmp_path / "genesis.json").chain_id != before.chain_id


def test_keep_existing_leaves_a_network_alone(tmp_path: Path) -> None:
    make_genesis(tmp_path)
    before = (tmp_path / "genesis.json").read_text()
    make_genesis(tmp_path, "--keep-existing")
    assert (tmp_path / "genesis.json").read_text() == before


def run_manage_py(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "NODE_ID"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, str(REPO_DIR / "validators" / "manage.py"), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def test_the_command_runs_without_node_id_and_refuses_in_one_line(tmp_path: Path) -> None:
    first = run_manage_py("make_genesis", "--network-dir", str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert json.loads((tmp_path / "genesis.json").read_text())["quorum"] == 2

    second = run_manage_py("make_genesis", "--network-dir", str(tmp_path))
    assert second.returncode != 0
    assert second.stderr.strip().splitlines() == [
        f"CommandError: {tmp_path / 'genesis.json'} already exists (and 4 more); "
        "pass --force to replace it"
    ]
