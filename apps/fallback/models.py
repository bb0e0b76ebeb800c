"""The local fallback chain: hash-linked, signed blocks of votes accepted while no validator
answered (see apps.fallback.hashchain for what is hashed and signed)."""

from __future__ import annotations

from django.db import models


class FallbackBlock(models.Model):
    index = models.PositiveBigIntegerField(unique=True)
    previous_hash = models.CharField(max_length=64)
    # The votes: transaction_id, election_id (the chain's), voter_pseudonym, ballot, tracker,
    # cast_at. Replay sends exactly these.
    entries = models.JSONField()
    block_hash = models.CharField(max_length=64, unique=True)
    signature = models.CharField(max_length=128)
    # Set by the code, not auto_now_add: the hashed value must be exactly the stored value.
    created_at = models.DateTimeField()
    # Bookkeeping, outside the hash: when every vote of the block was confirmed on the PoA chain.
    replayed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["index"]

    def __str__(self) -> str:
        return f"fallback block {self.index}"


class FallbackHead(models.Model):
    """One row (pk=1): the signed (length, last hash) of the chain. It is what reveals a
    removed last block, which leaves no gap in the indexes."""

    length = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    signature = models.CharField(max_length=128, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
