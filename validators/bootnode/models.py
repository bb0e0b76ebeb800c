from __future__ import annotations

from typing import Any

from django.db import models


class Peer(models.Model):
    """A validator that proved, by a signature with its genesis key, where it can be reached."""

    node_id = models.CharField(max_length=64, unique=True)
    url = models.CharField(max_length=255)
    public_key = models.CharField(max_length=128)
    registered_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)
    # The signed registration behind `url`: its time and the validator's signature.
    registered_ms = models.BigIntegerField(default=0)
    signature = models.CharField(max_length=256, blank=True)

    class Meta:
        ordering = ["node_id"]

    def __str__(self) -> str:
        return f"{self.node_id} at {self.url}"

    def as_entry(self) -> dict[str, Any]:
        """The peer as discovery lists show it."""
        return {
            "node_id": self.node_id,
            "url": self.url,
            "public_key": self.public_key,
            "last_seen_at": self.last_seen_at.isoformat(),
            "timestamp_ms": self.registered_ms,
            "signature": self.signature,
        }


class RegistryCounter(models.Model):
    """A running total kept in the database, so every worker and every restart adds to it."""

    REGISTRATIONS = "registrations"
    DROPPED_PEERS = "dropped_peers"

    name = models.CharField(max_length=32, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
