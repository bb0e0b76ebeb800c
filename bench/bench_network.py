"""Throughput and commit latency of a 3-validator network on this machine.

Starts three real nodes (gunicorn + Celery worker with beat each) and a bootnode on
loopback, submits signed transactions by batch JSON-RPC spread over the three nodes, and
waits for every one to be committed. Not a test: it prints figures, ending with RESULT lines.

    python bench/bench_network.py [--transactions 20000] [--batch 1000] [--interval-ms 1000]
                                  [--max-block-txs 5000] [--logs DIR]
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.cluster import (  # noqa: E402
    Cluster,
    make_transaction,
    send_batch,
    wait_until,
)


def committed_count(cluster: Cluster, node_id: str, election_id: str) -> int:
    url = cluster.url(node_id) + "/blockchain"
    return len(
        requests.get(url, params={"election_id": election_id}, timeout=60).json()["transactions"]
    )


def commit_times(cluster: Cluster, node_id: str) -> dict[str, float]:
    """tx id -> when its block was committed (block timestamp, seconds)."""
    times: dict[str, float] = {}
    for item in cluster.all_blocks(node_id, cluster.height(node_id)):
        stamp = item["block"]["header"]["timestamp_ms"] / 1000
        for tx in item["block"]["transactions"]:
            times[tx["tx_id"]] = stamp
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--interval-ms", type=int, default=1000)
    parser.add_argument("--max-block-txs", type=int, default=5000)
    parser.add_argument("--logs", type=Path, help="copy the nodes' logs into this folder")
    args = parser.parse_args()
    # A bench stopped by `timeout` or Ctrl-C still stops its cluster (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    with tempfile.TemporaryDirectory(prefix="bench-network-") as root:
        cluster = Cluster(
            Path(root), interval_ms=args.interval_ms, max_block_txs=args.max_block_txs
        )
        try:
            cluster.start()
            run(cluster, args.transactions, args.batch)
        finally:
            cluster.stop()
            if args.logs:
                shutil.copytree(Path(root) / "logs", args.logs, dirs_exist_ok=True)


def run(cluster: Cluster, total: int, batch: int) -> None:
    key = cluster.submitter()
    txs = [
        make_transaction(key, cluster.chain_id, "bench", f"voter-{i}", "x" * 200)
        for i in range(total)
    ]
    batches = [txs[i : i + batch] for i in range(0, total, batch)]
    nodes = list(cluster.nodes)
    submitted_at: dict[str, float] = {}

    retries = [0]

    def submit(worker: int) -> None:
        for i in range(worker, len(batches), len(nodes)):
            pending = batches[i]
            for tx in pending:
                submitted_at[tx.tx_id] = time.time()
            while pending:
                answers = send_batch(cluster, nodes[worker], pending)
                # A full mempool (-32006) asks for the transaction again later, as the
                # backend's delivery does; latency still counts from the first attempt.
                full = [a["id"] for a in answers if a.get("error", {}).get("code") == -32006]
                errors = [a for a in answers if "error" in a and a["error"]["code"] != -32006]
                if errors:
                    print(f"errors from {nodes[worker]}: {errors[:2]}")
                pending = [pending[j] for j in full]
                if pending:
                    retries[0] += len(pending)
                    time.sleep(0.5)

    started = time.time()
    threads = [threading.Thread(target=submit, args=(w,)) for w in range(len(nodes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    admitted_s = time.time() - started
    # Every node's mempool holds every admitted transaction (gossip) until a block takes it,
    # so empty mempools everywhere mean all is committed. (Polling /blockchain instead would
    # load the node being measured with the whole election's transactions every second.)
    wait_until(
        lambda: all(cluster.health(n)["mempool_size"] == 0 for n in nodes),
        600,
        "empty mempools",
        every=0.5,
    )
    assert committed_count(cluster, "validator-1", "bench") == total
    times = commit_times(cluster, "validator-1")
    finished = max(times.values())
    latencies = sorted((times[t] - submitted_at[t]) * 1000 for t in submitted_at)
    blocks = cluster.height("validator-1")
    print(f"transactions={total} batch={batch} nodes={len(nodes)} blocks={blocks}")
    print(
        f"admission took {admitted_s:.2f} s ({total / admitted_s:.0f} tx/s accepted by RPC,"
        f" {retries[0]} refused as mempool full and sent again)"
    )
    print(f"RESULT committed_tx_per_s={total / (finished - started):.0f} tx/s")
    print(f"RESULT commit_latency_p50_ms={statistics.median(latencies):.0f} ms")
    print(f"RESULT commit_latency_p95_ms={latencies[int(len(latencies) * 0.95) - 1]:.0f} ms")


if __name__ == "__main__":
    main()
