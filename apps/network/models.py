"""What the backend knows about each validator: its last health check."""

from __future__ import annotations

from django.db import models


class ValidatorHealth(models.Model):
    class Status(models.TextChoices):
        HEALTHY = "healthy"
        DEGRADED = "degraded"  # answers, but stalled, lagging or slow
        UNREACHABLE = "unreachable"  # no answer within the timeout

    node_id = models.CharField(max_length=128, unique=True)
    url = models.CharField(max_length=300)
    status = models.CharField(max_length=12, choices=Status.choices)
    # Height and hash are the last known ones: an unreachable node keeps what it last said.
    height = models.PositiveBigIntegerField(default=0)
    last_block_hash = models.CharField(max_length=64, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField()
    evidence_count = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["node_id"]
        verbose_name_plural = "validator health"

    def __str__(self) -> str:
        return f"{self.node_id} ({self.status})"
