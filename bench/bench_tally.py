"""Background tally benchmark: a closed election of N real ballots, tallied by the job.

    python bench/bench_tally.py [--ballots 100000] [--block-size 5000]

Builds N voters and N real ballots (encrypted with their proofs, one choice each, over every
core), records them as confirmed votes and commits them, in certified blocks, to three stand-in
validators on 127.0.0.1 (tests/large_election.py; the chain and certificates are real,
consensus is not run). Then it starts the tally job as the API does (apps.elections.jobs.start_job) and
runs it as the worker does (run_job) in a thread, while this thread polls the Job row as the
admin's progress bar does, printing each step's progress. The database is a throwaway test
database (Django's test runner creates and drops it).

Prints one `RESULT name=value unit` line per figure: building the election, the whole job, each
step, how many times progress was written, and how many polls saw the job running.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evoting.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from apps.elections import jobs  # noqa: E402
from apps.elections.jobs import JobProgress, run_job, start_job  # noqa: E402
from apps.elections.models import Election, Job  # noqa: E402
from apps.network import signing  # noqa: E402
from apps.network.genesis import network_genesis  # noqa: E402
from tests.large_election import large_closed_election  # noqa: E402
from tests.standin_validators import StandInNetwork  # noqa: E402


def result(name: str, value: float, unit: str) -> None:
    print(f"RESULT {name}={value:.3f} {unit}", flush=True)


def tally_in_background(election: Election) -> Job:
    """Start the job as the API does, run it as the worker does, watch it as the admin does."""
    jobs._enqueue = lambda job_id: None  # no broker: this process is the worker below
    with transaction.atomic():
        job = start_job(Job.Kind.TALLY, election)
    writes: list[int] = []
    original = JobProgress.flush

    def counted(progress: JobProgress) -> None:
        original(progress)
        writes.append(1)

    JobProgress.flush = counted  # type: ignore[method-assign]

    def worker() -> None:
        try:
            run_job(job.pk)
        finally:
            connection.close()

    started = time.perf_counter()
    thread = threading.Thread(target=worker, name="tally-job")
    thread.start()
    step_started: dict[str, float] = {}
    polls_running = 0
    last = ""
    while True:
        current = Job.objects.get(pk=job.pk)
        if current.step and current.step not in step_started:
            step_started[current.step] = time.perf_counter()
        if current.state == Job.State.RUNNING:
            polls_running += 1
        line = f"{current.state} {current.step} {current.done}/{current.total}"
        if line != last:
            print(f"  progress: {line}", flush=True)
            last = line
        if current.finished:
            break
        time.sleep(0.5)
    thread.join()
    finished = time.perf_counter()
    JobProgress.flush = original  # type: ignore[method-assign]
    result("tally_job_seconds", finished - started, "s")
    names = list(step_started)
    for name, following in zip(names, [*names[1:], None], strict=True):
        until = step_started[following] if following else finished
        key = name.replace(" ", "_")
        result(f"step_{key}_seconds", until - step_started[name], "s")
    result("progress_writes", len(writes), "rows")
    result("polls_seeing_it_running", polls_running, "polls")
    return current


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--block-size", type=int, default=5000)
    args = parser.parse_args()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with tempfile.TemporaryDirectory(prefix="bench-tally-") as root:
        network = StandInNetwork(Path(root) / "network").start()
        settings.NETWORK_DIR = network.network_dir
        settings.SUBMITTER_KEY_PATH = network.network_dir / "keys" / "backend.key"
        network_genesis.cache_clear()
        signing._load_key.cache_clear()
        databases = setup_databases(verbosity=0, interactive=False)
        try:
            started = time.perf_counter()
            election = large_closed_election(
                network,
                args.ballots,
                args.block_size,
                "Bench tally",
                say=lambda line: print(f"  {line}"),
            )
            result("build_election_seconds", time.perf_counter() - started, "s")
            job = tally_in_background(election)
            print(f"  job: {job.state} {job.error or job.result}", flush=True)
            result("ballots", job.result["ballots"] if job.result else 0, "ballots")
            if job.state != Job.State.DONE:
                raise SystemExit(f"the tally job failed: {job.error}")
        finally:
            connection.close()
            teardown_databases(databases, verbosity=0)
            network.stop()


if __name__ == "__main__":
    main()
