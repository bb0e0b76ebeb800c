"""What one validator node stores: committed blocks with certificates, their transactions,
the mempool, its consensus state, peers and equivocation evidence."""

from __future__ import annotations

from django.db import models


class StoredBlock(models.Model):
    """A committed block as this node stores it: its header, both certificates, and columns
    for lookups; its transactions are ChainTransaction rows."""

    height = models.PositiveBigIntegerField(primary_key=True)
    block_hash = models.CharField(max_length=64, unique=True)
    parent_hash = models.CharField(max_length=64)
    round = models.PositiveIntegerField()
    proposer = models.CharField(max_length=64)
    timestamp_ms = models.PositiveBigIntegerField()
    tx_count = models.PositiveIntegerField()
    header = models.JSONField()
    certificate = models.JSONField()
    # The commit certificate of the parent block, as carried (and hashed) in this block.
    parent_certificate = models.JSONField(default=list)
    committed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["height"]


class StoredTransaction(models.Model):
    """A transaction as this node stores it, on chain and in the mempool alike: its own fields
    and its hash (the chain id is the node's, not stored with each)."""

    tx_id = models.CharField(max_length=128, unique=True)
    tx_hash = models.CharField(max_length=66, unique=True)
    election_id = models.CharField(max_length=128)
    voter_pseudonym = models.CharField(max_length=128)
    payload = models.TextField()
    submitted_at_ms = models.PositiveBigIntegerField()
    submitter_key = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)

    class Meta:
        abstract = True


class ChainTransaction(StoredTransaction):
    """A transaction in a committed block; one per (election, voter pseudonym), ever."""

    block = models.ForeignKey(StoredBlock, on_delete=models.PROTECT, related_name="transactions")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["block_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["election_id", "voter_pseudonym"], name="one_ballot_per_voter_on_chain"
            )
        ]
        indexes = [models.Index(fields=["election_id", "block"])]


class MempoolTransaction(StoredTransaction):
    """An admitted transaction waiting for a block (its signature was checked on admission)."""

    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["election_id", "voter_pseudonym"], name="one_ballot_per_voter_in_mempool"
            )
        ]


class ConsensusState(models.Model):
    """One row: the durable consensus state (written before any signature leaves the node)
    and the engine's live position for /health."""

    durable = models.JSONField(default=dict)
    height = models.PositiveBigIntegerField(default=0)
    round = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True)


class LockedBlock(models.Model):
    """One row: the block the durable state's lock names, written only when the lock changes.
    Its own row, so the small writes of ConsensusState do not rewrite megabytes each time.

    `block` names the transactions this node holds in its mempool by hash (`tx_hashes`) and
    carries the rest in full (`not_in_mempool`); a row holding the whole block loads too."""

    block = models.JSONField()


class InboundMessage(models.Model):
    """A large peer message (a proposal carries its whole block) on its way from the web
    process to the worker. It passes through the node's database as received, instead of
    being encoded again into a Celery message and decoded twice more there."""

    body = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)


class Peer(models.Model):
    node_id = models.CharField(max_length=64, unique=True)
    url = models.CharField(max_length=255)
    last_heard_at = models.DateTimeField(null=True)
    # When the peer signed the registration `url` comes from (0: genesis's own URL).
    registered_ms = models.BigIntegerField(default=0)


class Evidence(models.Model):
    """Two conflicting signed messages from one validator for one (height, round, phase)."""

    validator = models.CharField(max_length=64)
    height = models.PositiveBigIntegerField()
    round = models.PositiveIntegerField()
    phase = models.CharField(max_length=16)
    first = models.JSONField()
    second = models.JSONField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["validator", "height", "round", "phase"], name="one_evidence_per_slot"
            )
        ]
