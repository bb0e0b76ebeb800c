"""A validator node's Prometheus metrics (served at GET /metrics; see
validators/metrics_export.py for how the processes share them).

The consensus engine runs in the node's Celery worker: it counts commits, rounds, refusals
and catch-up there. The position (height, round), mempool, peers and evidence are read from
the node's database when scraped, so they match /health exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

from prometheus_client import Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

PREFIX = "evoting_validator_"

# Seconds from seeing a block's proposal to committing it.
COMMIT_LATENCY = Histogram(
    PREFIX + "commit_latency_seconds",
    "Seconds from receiving a block's proposal to committing it",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
BLOCK_INTERVAL = Histogram(
    PREFIX + "block_interval_seconds",
    "Seconds between the timestamps of consecutive committed blocks",
    buckets=(0.5, 1, 2, 3, 5, 7.5, 10, 15, 30, 60, 120),
)
BLOCK_TRANSACTIONS = Histogram(
    PREFIX + "block_transactions",
    "Transactions in each committed block",
    buckets=(0, 1, 5, 10, 50, 100, 500, 1000, 2000, 5000),
)
ROUNDS_PER_HEIGHT = Histogram(
    PREFIX + "rounds_per_height",
    "Rounds a height took to commit (1: committed in its first round)",
    buckets=(1, 2, 3, 4, 5, 8, 13),
)
MESSAGES_REFUSED = Counter(
    PREFIX + "messages_refused_total",
    "Consensus messages refused, by reason (web: before the engine; engine: by the core)",
    ["reason"],
)
# Refused by the web process before the engine sees them: exported at zero from the start.
WEB_REFUSALS = (
    "malformed_message",
    "bad_signature",
    "rate_limited",
    "body_mismatch",
    "stale_height",
)
for _code in WEB_REFUSALS:
    MESSAGES_REFUSED.labels(_code)
CATCH_UP_BLOCKS = Counter(
    PREFIX + "catch_up_blocks_total", "Committed blocks fetched from peers to catch up"
)

# Families read from the database at scrape time.
HEIGHT = PREFIX + "height"
ROUND = PREFIX + "round"
MEMPOOL = PREFIX + "mempool_transactions"
PEERS_HEARD = PREFIX + "peers_heard"
EVIDENCE = PREFIX + "equivocation_evidence"  # a counter: exposed as ..._total

# Every family this node exposes, as scraped (histograms add _bucket, _sum and _count).
NAMES = frozenset(
    {
        PREFIX + "commit_latency_seconds",
        PREFIX + "block_interval_seconds",
        PREFIX + "block_transactions",
        PREFIX + "rounds_per_height",
        PREFIX + "messages_refused_total",
        PREFIX + "catch_up_blocks_total",
        HEIGHT,
        ROUND,
        MEMPOOL,
        PEERS_HEARD,
        EVIDENCE + "_total",
    }
)

# A peer counts as heard when a message from it arrived within this many seconds.
PEERS_HEARD_SECONDS = 30


def reason_label(reason: str) -> str:
    """A short, bounded label for a refusal reason: its words before any ':' or '(' (the rest
    names heights and rounds, which would make a label per message)."""
    head = re.split(r"[:(]", reason, maxsplit=1)[0]
    label = re.sub(r"[^a-z0-9]+", "_", head.lower()).strip("_")
    return label[:48] or "unknown"


def refused(reason: str) -> None:
    MESSAGES_REFUSED.labels(reason_label(reason)).inc()


def block_committed(
    round_: int, tx_count: int, timestamp_ms: int, parent_timestamp_ms: int | None, elapsed_ms: int
) -> None:
    """Observe one block this node committed (in the engine, once per stored block)."""
    ROUNDS_PER_HEIGHT.observe(round_ + 1)
    BLOCK_TRANSACTIONS.observe(tx_count)
    if elapsed_ms >= 0:
        COMMIT_LATENCY.observe(elapsed_ms / 1000)
    if parent_timestamp_ms is not None and timestamp_ms >= parent_timestamp_ms:
        BLOCK_INTERVAL.observe((timestamp_ms - parent_timestamp_ms) / 1000)


class DatabaseCollector(Collector):
    """Height, round, mempool, peers heard and evidence, from the node's tables."""

    def collect(self) -> Iterable[Metric]:
        from django.utils import timezone

        from validators.chain.models import (
            ConsensusState,
            Evidence,
            MempoolTransaction,
            Peer,
            StoredBlock,
        )

        last = StoredBlock.objects.order_by("-height").values_list("height", flat=True).first()
        state = ConsensusState.objects.filter(pk=1).values_list("round", flat=True).first()
        since = timezone.now() - timedelta(seconds=PEERS_HEARD_SECONDS)
        yield GaugeMetricFamily(HEIGHT, "Height of the last committed block", value=last or 0)
        yield GaugeMetricFamily(ROUND, "Consensus round at the current height", value=state or 0)
        yield GaugeMetricFamily(
            MEMPOOL,
            "Transactions admitted and waiting for a block",
            value=MempoolTransaction.objects.count(),
        )
        yield GaugeMetricFamily(
            PEERS_HEARD,
            f"Peers heard from in the last {PEERS_HEARD_SECONDS} seconds",
            value=Peer.objects.filter(last_heard_at__gte=since).count(),
        )
        yield CounterMetricFamily(
            EVIDENCE,
            "Equivocations recorded (two conflicting signed messages from one validator)",
            value=Evidence.objects.count(),
        )


def scrape_collectors() -> list[Collector]:
    return [DatabaseCollector()]
