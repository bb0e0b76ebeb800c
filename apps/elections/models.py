"""Elections, candidates and voter rolls. The election's private key is stored only sealed
under the key-encryption key from settings (see apps.elections.keys)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


def new_chain_election_id() -> str:
    return uuid.uuid4().hex


class Election(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft"
        OPEN = "open"
        CLOSED = "closed"
        TALLIED = "tallied"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # The id the validators see: unique across backends and database resets.
    chain_election_id = models.CharField(max_length=64, unique=True, default=new_chain_election_id)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    min_selections = models.PositiveSmallIntegerField(default=1)
    max_selections = models.PositiveSmallIntegerField(default=1)
    # Fixed when the election opens: the parameters' hash and the public election key.
    election_hash = models.CharField(max_length=64, blank=True)
    parameters = models.JSONField(null=True, blank=True)
    public_key = models.JSONField(null=True, blank=True)
    sealed_private_key = models.TextField(blank=True)
    results = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    tallied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Candidate(models.Model):
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["election", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "position"], name="one_candidate_per_position"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RollEntry(models.Model):
    """A voter on an election's roll; `voted_at` is set in the transaction that stores the vote."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="roll")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rolls"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    voted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "user"], name="one_roll_entry_per_voter")
        ]
