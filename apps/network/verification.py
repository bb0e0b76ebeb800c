"""Does every validator hold a valid chain, and do they hold the same one?

Each validator verifies its own chain when asked for an election's transactions (GET
/blockchain: links, hashes, transaction roots, certificates) and reports its height and last
hash. Validators commit at slightly different moments, so heights differ; agreement is
checked by prefix: a validator at height h agrees with the highest one when the highest one's
block h, fetched from GET /peer/blocks and hashed here from its header (not taken on trust),
has that validator's last hash. Blocks link by hash, so one equal hash at h means the whole
chains up to h are equal.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.cache import cache

from apps.network.client import Endpoint, ValidatorUnavailable, get_json
from apps.network.genesis import validator_urls
from validators.core.blocks import BlockHeader, MalformedError


def _timeout() -> tuple[float, float]:
    return (settings.CHAIN_CONNECT_TIMEOUT_SECONDS, settings.CHAIN_RPC_TIMEOUT_SECONDS)


def _own_verification(endpoint: Endpoint, chain_election_id: str) -> dict[str, Any]:
    """One validator's report on its own chain (reachable False when it did not answer)."""
    base: dict[str, Any] = {"node_id": endpoint.node_id, "height": None, "last_hash": None}
    try:
        data = get_json(endpoint, "/blockchain", {"election_id": chain_election_id}, _timeout())
        verification = data["verification"]
        return base | {
            "reachable": True,
            "valid": verification["valid"] is True,
            "height": int(verification["height"]),
            "last_hash": str(verification["last_hash"]),
            "transactions": len(data["transactions"]),
            "problem": verification.get("problem"),
        }
    except ValidatorUnavailable as exc:
        return base | {"reachable": False, "valid": False, "error": str(exc)}
    except (KeyError, TypeError, ValueError) as exc:
        return base | {"reachable": True, "valid": False, "error": f"malformed answer: {exc}"}


def _hash_at(endpoint: Endpoint, height: int) -> str | None:
    """The hash of `endpoint`'s block at `height`, computed from the block header."""
    try:
        blocks = get_json(endpoint, "/peer/blocks", {"from": height, "limit": 1}, _timeout())
        header = BlockHeader.from_dict(blocks["blocks"][0]["block"]["header"])
    except (ValidatorUnavailable, MalformedError, KeyError, IndexError, TypeError):
        return None
    return header.block_hash if header.height == height else None


def _agrees(report: dict[str, Any], highest: dict[str, Any], endpoint: Endpoint) -> bool:
    if report["height"] == highest["height"]:
        return bool(report["last_hash"] == highest["last_hash"])
    if report["height"] == 0:
        return True  # an empty chain is a prefix of every chain with the same genesis
    return bool(_hash_at(endpoint, report["height"]) == report["last_hash"])


VERIFY_CACHE_SECONDS = 10


def recent_verification(chain_election_id: str) -> dict[str, Any]:
    """verify_election_on_chain, at most once per VERIFY_CACHE_SECONDS per election across
    every process: asking every validator to re-verify its chain is not free, and any voter
    may load the page that asks."""
    key = f"chain:verification:{chain_election_id}"
    verdict: dict[str, Any] | None = cache.get(key)
    if verdict is None:
        verdict = verify_election_on_chain(chain_election_id)
        cache.set(key, verdict, VERIFY_CACHE_SECONDS)
    return verdict


def verify_election_on_chain(chain_election_id: str) -> dict[str, Any]:
    """Ask every validator to verify its chain; `valid` when every one that answered is
    valid (and at least one did), `agree` when every answering chain is a prefix of the
    highest one. Unreachable validators are listed with reachable False."""
    endpoints = [Endpoint(node_id, url) for node_id, url in validator_urls().items()]
    with ThreadPoolExecutor(max_workers=max(len(endpoints), 1)) as pool:
        reports = list(pool.map(lambda e: _own_verification(e, chain_election_id), endpoints))
    answered = [r for r in reports if r["reachable"] and r["height"] is not None]
    if not answered:
        return {"valid": False, "agree": False, "validators": reports}
    highest_report = max(answered, key=lambda r: r["height"])
    highest = next(e for e in endpoints if e.node_id == highest_report["node_id"])
    for report in answered:
        report["agrees"] = _agrees(report, highest_report, highest)
    return {
        "valid": all(r["valid"] for r in reports if r["reachable"]),
        "agree": all(r["agrees"] for r in answered),
        "validators": reports,
    }
