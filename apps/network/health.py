"""Validator health: poll every validator's GET /health, classify, store, and rank for use.

A validator is
- unreachable when it does not answer within the timeout (or answers garbage),
- degraded when it answers but reports a stalled consensus, lags the best node by more than
  HEALTH_MAX_LAG_BLOCKS, or took longer than HEALTH_SLOW_MS to answer,
- healthy otherwise.
"""

from __future__ import annotations

import itertools
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.network.client import Endpoint, ValidatorUnavailable, get_json
from apps.network.genesis import validator_urls
from apps.network.models import ValidatorHealth

log = logging.getLogger("apps.network")

Status = ValidatorHealth.Status


@dataclass(frozen=True)
class ValidatorHealthRow:
    """A stored health row with its lag behind the best known node."""

    node_id: str
    url: str
    status: str
    height: int
    lag: int
    last_block_hash: str
    latency_ms: int | None
    last_seen_at: datetime | None
    checked_at: datetime
    evidence_count: int
    error: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id,
            "url": self.url,
            "status": self.status,
            "height": self.height,
            "lag": self.lag,
            "last_block_hash": self.last_block_hash,
            "latency_ms": self.latency_ms,
            "last_seen_at": self.last_seen_at.isoformat() if self.last_seen_at else None,
            "checked_at": self.checked_at.isoformat(),
            "evidence_count": self.evidence_count,
            "error": self.error,
        }


@dataclass(frozen=True)
class Probe:
    """What one GET /health told us (answer is None when the node did not answer)."""

    endpoint: Endpoint
    answer: dict[str, Any] | None
    latency_ms: int
    error: str


def _probe(endpoint: Endpoint) -> Probe:
    started = time.monotonic()
    timeout = (settings.CHAIN_CONNECT_TIMEOUT_SECONDS, settings.HEALTH_TIMEOUT_SECONDS)
    try:
        answer = get_json(endpoint, "/health", {}, timeout)
        if not isinstance(answer, dict) or not isinstance(answer.get("height"), int):
            raise ValidatorUnavailable(f"{endpoint.node_id} answered a malformed health document")
        error = ""
    except ValidatorUnavailable as exc:
        answer, error = None, str(exc)
    return Probe(endpoint, answer, int((time.monotonic() - started) * 1000), error)


def _classify(probe: Probe, best_height: int) -> tuple[str, str]:
    """(status, reason) for one probe."""
    if probe.answer is None:
        return Status.UNREACHABLE, probe.error
    reasons = []
    if probe.answer.get("status") != "ok":
        reasons.append(f"reports {probe.answer.get('status')!r}")
    lag = best_height - probe.answer["height"]
    if lag > settings.HEALTH_MAX_LAG_BLOCKS:
        reasons.append(f"{lag} blocks behind")
    if probe.latency_ms > settings.HEALTH_SLOW_MS:
        reasons.append(f"answered in {probe.latency_ms} ms")
    return (Status.DEGRADED if reasons else Status.HEALTHY), "; ".join(reasons)


def refresh_validator_health() -> list[ValidatorHealthRow]:
    """Poll every validator in genesis concurrently, store what each said, return the rows."""
    endpoints = [Endpoint(node_id, url) for node_id, url in validator_urls().items()]
    with ThreadPoolExecutor(max_workers=max(len(endpoints), 1)) as pool:
        probes = list(pool.map(_probe, endpoints))
    best = max((p.answer["height"] for p in probes if p.answer is not None), default=0)
    now = timezone.now()
    with transaction.atomic():
        for probe in probes:
            _store(probe, *_classify(probe, best), now)
        ValidatorHealth.objects.exclude(node_id__in=[e.node_id for e in endpoints]).delete()
    return validator_health_rows()


def _store(probe: Probe, status: str, reason: str, now: datetime) -> None:
    row = ValidatorHealth.objects.filter(node_id=probe.endpoint.node_id).first()
    if row is None:
        row = ValidatorHealth(node_id=probe.endpoint.node_id)
    elif row.status != status:
        log.info(
            'validator health changed node=%s from=%s to=%s reason="%s"',
            row.node_id,
            row.status,
            status,
            reason or "-",
        )
    row.url, row.status, row.checked_at, row.error = probe.endpoint.url, status, now, reason[:300]
    row.latency_ms = probe.latency_ms if probe.answer is not None else None
    if probe.answer is not None:
        row.height = probe.answer["height"]
        row.last_block_hash = probe.answer.get("last_block_hash") or ""
        row.evidence_count = int(probe.answer.get("evidence_count") or 0)
        row.last_seen_at = now
    row.save()


def validator_health_rows() -> list[ValidatorHealthRow]:
    """The stored rows, each with its lag behind the highest known node."""
    rows = list(ValidatorHealth.objects.all())
    best = max((r.height for r in rows), default=0)
    return [
        ValidatorHealthRow(
            node_id=r.node_id,
            url=r.url,
            status=r.status,
            height=r.height,
            lag=best - r.height,
            last_block_hash=r.last_block_hash,
            latency_ms=r.latency_ms,
            last_seen_at=r.last_seen_at,
            checked_at=r.checked_at,
            evidence_count=r.evidence_count,
            error=r.error,
        )
        for r in rows
    ]


def healthy_count() -> int:
    return ValidatorHealth.objects.filter(status=Status.HEALTHY).count()


_rotation = itertools.count()


def healthy_validators() -> list[Endpoint]:
    """The healthy validators, rotated by one on every call: successive batches start at
    successive validators, so the load spreads round-robin."""
    urls = validator_urls()
    healthy = ValidatorHealth.objects.filter(status=Status.HEALTHY, node_id__in=list(urls))
    rows = [
        Endpoint(node_id, urls[node_id])
        for node_id in sorted(healthy.values_list("node_id", flat=True))
    ]
    if not rows:
        return []
    start = next(_rotation) % len(rows)
    return rows[start:] + rows[:start]


def validators_to_try() -> list[Endpoint]:
    """Every validator in genesis, best first: healthy (rotated), then degraded, then the
    rest. Health is a few seconds old, so a vote goes to the fallback chain only after every
    validator has been tried, not merely because the last check found them down."""
    urls = validator_urls()
    ordered = healthy_validators()
    degraded = ValidatorHealth.objects.filter(status=Status.DEGRADED, node_id__in=list(urls))
    ordered += [
        Endpoint(n, urls[n])
        for n in degraded.order_by("latency_ms").values_list("node_id", flat=True)
    ]
    known = {e.node_id for e in ordered}
    return ordered + [Endpoint(n, url) for n, url in urls.items() if n not in known]
