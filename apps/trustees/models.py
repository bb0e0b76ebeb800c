"""An election's trustees and the public material of their key ceremony and decryption.

Nothing here is secret: encryption keys are public keys, commitments are public, shares travel
as envelopes only their recipient can open, and partial decryptions are published.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.elections.models import Election


class Trustee(models.Model):
    """A user named trustee `index` (1..n) of one election: the trustee role."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="trustees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trusteeships"
    )
    index = models.PositiveSmallIntegerField()
    # X25519 public key (hex) that the other trustees seal their shares to.
    encryption_key = models.CharField(max_length=64, blank=True)
    # TrusteeCommitment.to_dict(): Feldman commitments with proofs of knowledge.
    commitment = models.JSONField(null=True, blank=True)
    # Set when the trustee reported that every share sent to it matches its dealer's commitment.
    shares_checked_at = models.DateTimeField(null=True, blank=True)
    named_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["election", "index"]
        constraints = [
            models.UniqueConstraint(fields=["election", "index"], name="one_trustee_per_index"),
            models.UniqueConstraint(fields=["election", "user"], name="one_index_per_trustee"),
        ]

    def __str__(self) -> str:
        return f"trustee {self.index} ({self.user})"


class ShareEnvelope(models.Model):
    """Dealer's share for recipient, sealed to the recipient's encryption key."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="envelopes")
    dealer = models.PositiveSmallIntegerField()
    recipient = models.PositiveSmallIntegerField()
    envelope = models.CharField(max_length=256)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["election", "dealer", "recipient"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "dealer", "recipient"], name="one_envelope_per_pair"
            )
        ]


class Complaint(models.Model):
    """Trustee `accuser` says the share from `dealer` does not match the dealer's commitment.
    The election cannot open while a complaint is unresolved."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="complaints")
    accuser = models.PositiveSmallIntegerField()
    dealer = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=300)
    filed_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["election", "filed_at"]


class DecryptionShare(models.Model):
    """A trustee's partial decryption of the election's aggregate, checked on arrival."""

    election = models.ForeignKey(
        Election, on_delete=models.CASCADE, related_name="decryption_shares"
    )
    trustee = models.ForeignKey(Trustee, on_delete=models.CASCADE, related_name="+")
    partial_decryption = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["election", "trustee__index"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "trustee"], name="one_decryption_share_per_trustee"
            )
        ]
