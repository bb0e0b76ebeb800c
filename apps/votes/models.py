"""The vote outbox: a vote is accepted when its row commits, then delivered to the chain."""

from __future__ import annotations

import uuid

from django.db import models

from apps.elections.models import Election


def new_transaction_id() -> str:
    return uuid.uuid4().hex


class Vote(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"  # accepted, not yet admitted by a validator
        FALLBACK = "fallback"  # no validator reachable: on the local fallback chain
        SUBMITTED = "submitted"  # admitted to a validator's mempool, not yet in a block
        CONFIRMED = "confirmed"  # in a committed block

    transaction_id = models.CharField(max_length=64, unique=True, default=new_transaction_id)
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="votes")
    voter_pseudonym = models.CharField(max_length=64)
    ballot = models.TextField()  # canonical JSON of the encrypted ballot with its proofs
    tracker = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    block_height = models.PositiveBigIntegerField(null=True, blank=True)
    block_hash = models.CharField(max_length=64, blank=True)
    delivery_attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    cast_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "voter_pseudonym"], name="one_vote_per_voter"
            )
        ]
        indexes = [models.Index(fields=["status", "id"])]

    @property
    def public_status(self) -> str:
        """What voters see: submitted is still pending until a block holds it."""
        return Vote.Status.PENDING if self.status == Vote.Status.SUBMITTED else self.status


class SpoiledBallot(models.Model):
    """A ballot its voter challenged instead of casting (the Benaloh challenge): stored with the
    randomness and choice its client revealed, which are public from then on. Never the voter's
    vote, never sent to the validators, never counted; the voter may still cast afresh."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="spoiled")
    voter_pseudonym = models.CharField(max_length=64, db_index=True)
    ballot = models.TextField()  # canonical JSON of the encrypted ballot with its proofs
    tracker = models.CharField(max_length=64, db_index=True)
    choice = models.JSONField()  # one 0/1 per candidate, in ballot order
    randomness = models.JSONField()  # one scalar (hex) per candidate, in ballot order
    spoiled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "tracker"], name="one_spoil_per_ballot")
        ]
