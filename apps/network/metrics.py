"""The backend's Prometheus metrics (served at GET /metrics; see validators/metrics_export.py
for how the web and worker processes share them).

Counted where they happen: votes accepted (web), delivery batches, failovers and
confirmations (the Celery worker). Read from the database or the broker when scraped: votes
by status, fallback ballots waiting, each validator's health, the worker's queue depth.
django-prometheus adds the HTTP request metrics (`django_http_*`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from kombu.exceptions import ChannelError
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger("apps.network")

PREFIX = "evoting_"

VOTES_ACCEPTED = Counter(PREFIX + "votes_accepted_total", "Votes accepted by the backend")
VOTES_CONFIRMED = Counter(
    PREFIX + "votes_confirmed_total", "Votes confirmed in a committed block of the chain"
)
CONFIRMATION_LATENCY = Histogram(
    PREFIX + "vote_confirmation_seconds",
    "Seconds from a vote being cast to its confirmation in a committed block",
    buckets=(0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 60, 120, 300, 600),
)
DELIVERY_BATCHES = Counter(
    PREFIX + "delivery_batches_total",
    "Batches of votes sent to the validators, by outcome (delivered, fallback)",
    ["outcome"],
)
DELIVERY_FAILOVERS = Counter(
    PREFIX + "delivery_failovers_total",
    "Validators passed over during delivery because they did not answer, by validator",
    ["node_id"],
)

VOTES = PREFIX + "votes"
FALLBACK_WAITING = PREFIX + "fallback_votes_waiting"
FALLBACK_UNREPLAYED = PREFIX + "fallback_blocks_unreplayed"
VALIDATOR_HEALTH = PREFIX + "validator_health"
QUEUE_DEPTH = PREFIX + "worker_queue_messages"
HEALTH_STATES = ("healthy", "degraded", "unreachable")

# Every family the backend exposes besides django-prometheus's `django_http_*`.
NAMES = frozenset(
    {
        PREFIX + "votes_accepted_total",
        PREFIX + "votes_confirmed_total",
        PREFIX + "vote_confirmation_seconds",
        PREFIX + "delivery_batches_total",
        PREFIX + "delivery_failovers_total",
        VOTES,
        FALLBACK_WAITING,
        FALLBACK_UNREPLAYED,
        VALIDATOR_HEALTH,
        QUEUE_DEPTH,
    }
)


def votes_confirmed(cast_at: Sequence[datetime], confirmed_at: datetime) -> None:
    VOTES_CONFIRMED.inc(len(cast_at))
    for moment in cast_at:
        CONFIRMATION_LATENCY.observe(max(0.0, (confirmed_at - moment).total_seconds()))


OUTCOMES = ("delivered", "fallback")
for _outcome in OUTCOMES:  # exported at zero before the first batch
    DELIVERY_BATCHES.labels(_outcome)


def batch_sent(outcome: str, failed_over: Iterable[str], validators: Iterable[str] = ()) -> None:
    """One batch sent; `validators` are every node it could try, exported at zero until
    one is passed over."""
    DELIVERY_BATCHES.labels(outcome).inc()
    for node_id in validators:
        DELIVERY_FAILOVERS.labels(node_id)
    for node_id in failed_over:
        DELIVERY_FAILOVERS.labels(node_id).inc()


class DatabaseCollector(Collector):
    """Votes by status, fallback ballots waiting and validator health, from the tables."""

    def collect(self) -> Iterable[Metric]:
        from django.db.models import Count

        from apps.fallback.models import FallbackBlock
        from apps.network.models import ValidatorHealth
        from apps.votes.models import Vote

        counts = dict(
            Vote.objects.order_by()
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        votes = GaugeMetricFamily(VOTES, "Votes held by the backend, by status", labels=["status"])
        for status in Vote.Status.values:
            votes.add_metric([status], counts.get(status, 0))
        yield votes
        yield GaugeMetricFamily(
            FALLBACK_WAITING,
            "Votes on the local fallback chain not yet confirmed on the validators' chain",
            value=Vote.objects.filter(status=Vote.Status.FALLBACK).count(),
        )
        unreplayed = FallbackBlock.objects.filter(replayed_at__isnull=True).count()
        yield GaugeMetricFamily(
            FALLBACK_UNREPLAYED,
            "Fallback blocks with votes not yet all confirmed on the validators' chain",
            value=unreplayed,
        )
        health = GaugeMetricFamily(
            VALIDATOR_HEALTH,
            "Each validator's state at the backend's last check (1 for its current state)",
            labels=["node_id", "state"],
        )
        for node_id, state in ValidatorHealth.objects.values_list("node_id", "status"):
            for candidate in HEALTH_STATES:
                health.add_metric([node_id, candidate], 1 if state == candidate else 0)
        yield health


def queue_depth(channel: Any, name: str) -> int:
    """Messages waiting in one queue. Redis keeps no key for an empty queue, so a broker
    that does not know the queue has none waiting in it."""
    try:
        return int(channel.queue_declare(queue=name, passive=True).message_count)
    except ChannelError:
        return 0


class QueueCollector(Collector):
    """Messages waiting in each of the worker's queues, asked of the broker when scraped."""

    def collect(self) -> Iterable[Metric]:
        from django.conf import settings

        from evoting.celery import app

        depth = GaugeMetricFamily(
            QUEUE_DEPTH, "Messages waiting in the Celery worker's queues", labels=["queue"]
        )
        try:
            with app.connection_for_read() as connection:
                channel = connection.default_channel
                for queue in settings.CELERY_TASK_QUEUES:
                    depth.add_metric([queue.name], queue_depth(channel, queue.name))
        except Exception as exc:  # the page must render while the broker is away
            log.warning('queue depth unavailable reason="%s"', exc)
        yield depth


def scrape_collectors() -> list[Collector]:
    return [DatabaseCollector(), QueueCollector()]
