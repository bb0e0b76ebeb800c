"""Throughput of the whole vote path on this machine: HTTP submit of client-encrypted ballots,
proofs checked, votes accepted, delivered and confirmed on three validators.

Starts the system as `make run` does (three validators with a bootnode, the backend web with
2 workers x 4 threads and its Celery worker, the default intervals), creates an election with
N voters through the API (their tokens are made directly in the database: a PBKDF2 log-in per
voter is not what is measured), runs the trustees' key ceremony, encrypts every ballot
beforehand with evcrypto, sends them over C concurrent keep-alive connections, waits until
every vote is confirmed, checks each validator's copy and the tally, and measures a bare
Django JSON POST view (bench/bare_django.py) in the same run. PostgreSQL and Redis are used
when DATABASE_URL and REDIS_URL are set. Not a test: it prints figures, ending with RESULT
lines.

    python bench/bench_votes.py [--voters 20000] [--concurrency 64] [--interval-ms 1000]
                                [--logs DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.backend import Backend  # noqa: E402
from tests.integration.cluster import (  # noqa: E402
    REPO,
    Cluster,
    free_port,
    gunicorn,
    kill_group,
    wait_until,
)
from tests.integration.load import (  # noqa: E402
    CANDIDATES,
    block_times,
    election_with_voters,
    encrypt_all,
    quantile,
    request_bytes,
    send_all,
    status_counts,
    vote_times,
    voter_tokens,
)
from validators.core.blocks import genesis_hash  # noqa: E402
from validators.core.genesis import load_genesis  # noqa: E402


def cpu_seconds(pgids: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each named group of process groups."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = dict.fromkeys(pgids, 0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pgrp, utime, stime = int(fields[2]), int(fields[11]), int(fields[12])
        for name, groups in pgids.items():
            if pgrp in groups:
                used[name] += (utime + stime) / ticks
    return used


def process_groups(cluster: Cluster, backend: Backend) -> dict[str, list[int]]:
    assert backend.web and backend.worker
    validators = [p.pid for n in cluster.nodes.values() for p in (n.web, n.worker) if p]
    return {
        "backend_web": [backend.web.pid],
        "backend_worker": [backend.worker.pid],
        "validators": validators,
    }


def bare_view_rate(concurrency: int, count: int, body_size: int, logs: Path) -> float:
    """Requests per second of bench/bare_django.py under gunicorn as the backend runs."""
    port = free_port()
    command = gunicorn("bench.bare_django:application", port, threads=4, workers=2)
    with open(logs / "bare-django.log", "ab") as log:
        process = subprocess.Popen(
            command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until(
            lambda: requests.post(f"http://127.0.0.1:{port}/echo", data=b"{}", timeout=2).ok,
            30,
            "the bare Django view",
        )
        body = json.dumps({"padding": "x" * body_size}).encode()
        requests_ = [request_bytes(port, "/echo", None, body)] * count
        started = time.monotonic()
        load = send_all(port, requests_, concurrency)
        elapsed = time.monotonic() - started
        assert all(s.status == 201 for s in load.sent)
        return len(load.sent) / elapsed
    finally:
        kill_group(process)


# --------------------------------------------------------------------------- the run


def run(cluster: Cluster, backend: Backend, args: argparse.Namespace, root: Path) -> None:
    election = election_with_voters(backend, args.voters, root)
    voters = voter_tokens(backend, election["id"], root / "tokens.json")
    rng = random.Random(2026)
    choices = [rng.randrange(len(CANDIDATES)) for _ in voters]
    started = time.monotonic()
    bodies = encrypt_all(election, [p for _, p in voters], choices)
    print(f"encrypted {len(bodies)} ballots in {time.monotonic() - started:.1f} s", flush=True)
    bare = bare_view_rate(args.concurrency, min(args.voters, 20_000), len(bodies[0]), root / "logs")
    print(f"bare Django POST view: {bare:.0f} requests/s", flush=True)

    groups = process_groups(cluster, backend)
    cpu_before, own_before = cpu_seconds(groups), resource.getrusage(resource.RUSAGE_SELF)
    requests_ = [
        request_bytes(backend.port, "/api/votes/submit", token, body)
        for (token, _), body in zip(voters, bodies, strict=True)
    ]
    load_started_wall, load_started = time.time(), time.monotonic()
    load = send_all(backend.port, requests_, args.concurrency)
    accepted_at = time.monotonic()
    statuses = Counter(s.status for s in load.sent)
    accepted = statuses[201] + statuses[409]
    print(f"submitted: {dict(statuses)} reconnects={load.reconnects}", flush=True)
    wait_until(
        lambda: status_counts(backend)["confirmed"] == accepted,
        args.confirm_timeout,
        "every vote confirmed",
        every=0.5,
    )
    confirmed_at = time.monotonic()
    cpu_after, own_after = cpu_seconds(groups), resource.getrusage(resource.RUSAGE_SELF)

    times = vote_times(backend)
    blocks = block_times(cluster, "validator-1")
    confirm_latency = [confirmed - cast for _, cast, confirmed in times]
    after_block = [confirmed - blocks[tx] for tx, _, confirmed in times]
    submit_latency = [s.finished - s.started for s in load.sent]
    last_confirmed_wall = max(confirmed for _, _, confirmed in times)
    check_validators(cluster, election, accepted)
    counts = check_tally(backend, cluster, election, root, choices)

    load_seconds = accepted_at - load_started
    confirm_seconds = last_confirmed_wall - load_started_wall
    cpu = {name: cpu_after[name] - cpu_before[name] for name in groups}
    cpu["load_generator"] = (own_after.ru_utime + own_after.ru_stime) - (
        own_before.ru_utime + own_before.ru_stime
    )
    confirmed_rate = accepted / confirm_seconds
    print(f"tally {counts} equals the plain count; {accepted} votes once on every validator")
    print(
        f"load {load_seconds:.1f} s, all confirmed {confirmed_at - load_started:.1f} s after start"
    )
    print(f"RESULT voters={accepted} votes")
    print(f"RESULT accepted_votes_per_s={accepted / load_seconds:.0f} votes/s")
    print(f"RESULT confirmed_votes_per_s={confirmed_rate:.0f} votes/s")
    print(f"RESULT confirm_p50={quantile(confirm_latency, 0.5):.2f} s")
    print(f"RESULT confirm_p95={quantile(confirm_latency, 0.95):.2f} s")
    print(f"RESULT confirm_after_block_max={max(after_block):.2f} s")
    print(f"RESULT submit_p50={quantile(submit_latency, 0.5) * 1000:.0f} ms")
    print(f"RESULT submit_p99={quantile(submit_latency, 0.99) * 1000:.0f} ms")
    print(f"RESULT bare_django_post_per_s={bare:.0f} requests/s")
    print(f"RESULT confirmed_to_bare_ratio={confirmed_rate / bare:.3f}")
    for name, seconds in cpu.items():
        print(f"RESULT cpu_ms_per_vote_{name}={1000 * seconds / accepted:.2f} ms")


def check_validators(cluster: Cluster, election: dict[str, Any], expected: int) -> None:
    """Every validator holds each vote exactly once."""
    for node_id in cluster.nodes:
        on_chain = requests.get(
            cluster.url(node_id) + "/blockchain",
            params={"election_id": election["chain_election_id"]},
            timeout=300,
        ).json()["transactions"]
        pseudonyms = {t["voter_pseudonym"] for t in on_chain}
        assert len(on_chain) == len(pseudonyms) == expected, (node_id, len(on_chain), expected)


def check_tally(
    backend: Backend, cluster: Cluster, election: dict[str, Any], root: Path, choices: list[int]
) -> list[int]:
    staff = backend.staff()
    assert staff.run_job(f"/api/elections/{election['id']}/close")["state"] == "done"
    started = staff.run_job(f"/api/elections/{election['id']}/tally", timeout=3600)
    assert started["state"] == "done", started
    genesis = cluster.network_dir / "genesis.json"
    confirmed = genesis_hash(load_genesis(genesis).to_dict())
    backend.run_trustees(
        "decrypt",
        election["id"],
        root / "trustees",
        [1, 2],
        "--genesis",
        str(genesis),
        "--genesis-hash",
        confirmed,
    )
    results = staff.get("/api/votes/results", election_id=election["id"]).json()
    counts = [row["votes"] for row in results["results"]]
    plain = Counter(choices)
    assert counts == [plain[i] for i in range(len(CANDIDATES))], (counts, plain)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--interval-ms", type=int, default=1000)
    parser.add_argument("--confirm-timeout", type=float, default=600.0)
    parser.add_argument("--logs", type=Path, help="copy every process's log into this folder")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    with tempfile.TemporaryDirectory(prefix="bench-votes-") as root:
        cluster = Cluster(Path(root), interval_ms=args.interval_ms)
        backend = Backend(
            cluster, Path(root) / "backend", intervals={}, web_workers=2, web_threads=4
        )
        try:
            cluster.start()
            backend.start()
            run(cluster, backend, args, Path(root))
        finally:
            backend.stop()
            cluster.stop()
            if args.logs:
                shutil.copytree(Path(root) / "logs", args.logs, dirs_exist_ok=True)


if __name__ == "__main__":
    main()
