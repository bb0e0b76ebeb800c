"""Generate a network: genesis.json plus one private key per validator and for the backend."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from validators.chain.network_files import (
    NetworkParameters,
    create_network,
    genesis_path,
    network_file_paths,
    urls_from_ports,
    urls_from_template,
)
from validators.core.genesis import DEFAULT_MAX_PAYLOAD_BYTES
from validators.env import EnvError, envfloat

DEFAULT_INTERVAL_SECONDS = 5.0


def default_interval_ms() -> int:
    """BLOCK_INTERVAL (seconds, may be fractional) from the environment, in milliseconds."""
    try:
        return round(envfloat("BLOCK_INTERVAL", DEFAULT_INTERVAL_SECONDS) * 1000)
    except EnvError as exc:
        raise CommandError(str(exc)) from None


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = "Write <network-dir>/genesis.json and keys/<id>.key for a new validator network."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--validators", type=positive_int, default=3)
        parser.add_argument("--base-port", type=positive_int, default=8001)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--url-template",
            help="validator URLs by number instead of host/port, e.g. http://validator-{n}:8000",
        )
        parser.add_argument(
            "--interval-ms",
            type=positive_int,
            help="block interval (default: BLOCK_INTERVAL seconds x 1000, else 5000)",
        )
        parser.add_argument("--max-block-txs", type=positive_int, default=5000)
        parser.add_argument(
            "--max-payload-bytes", type=positive_int, default=DEFAULT_MAX_PAYLOAD_BYTES
        )
        parser.add_argument("--bootnode-url", default="http://127.0.0.1:8546")
        parser.add_argument("--network-dir", type=Path, help="default: NETWORK_DIR")
        replace = parser.add_mutually_exclusive_group()
        replace.add_argument("--force", action="store_true", help="replace existing files")
        replace.add_argument(
            "--keep-existing",
            action="store_true",
            help="do nothing, successfully, when genesis.json already exists",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        network_dir: Path = options["network_dir"] or settings.NETWORK_DIR
        if options["keep_existing"] and genesis_path(network_dir).exists():
            self.stdout.write(f"genesis kept path={genesis_path(network_dir)}")
            return
        params = self.network_parameters(options)
        if not options["force"]:
            refuse_to_overwrite(network_file_paths(network_dir, params))
        genesis = create_network(network_dir, params)
        self.stdout.write(
            f"genesis written path={genesis_path(network_dir)} chain_id={genesis.chain_id} "
            f"validators={len(genesis.validators)} quorum={genesis.quorum} "
            f"interval_ms={genesis.block_interval_ms}"
        )

    def network_parameters(self, options: dict[str, Any]) -> NetworkParameters:
        count = options["validators"]
        if options["url_template"]:
            if "{n}" not in options["url_template"]:
                raise CommandError("--url-template must contain {n}")
            urls = urls_from_template(count, options["url_template"])
        else:
            if options["base_port"] + count - 1 > 65535:
                raise CommandError("--base-port leaves no room for every validator's port")
            urls = urls_from_ports(count, options["host"], options["base_port"])
        return NetworkParameters(
            validator_urls=urls,
            block_interval_ms=options["interval_ms"] or default_interval_ms(),
            max_block_txs=options["max_block_txs"],
            max_payload_bytes=options["max_payload_bytes"],
            bootnode_url=options["bootnode_url"],
        )


def refuse_to_overwrite(paths: list[Path]) -> None:
    existing = [path for path in paths if path.exists()]
    if existing:
        others = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise CommandError(f"{existing[0]} already exists{others}; pass --force to replace it")
