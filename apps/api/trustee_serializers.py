"""What the trustee endpoints read and write (the trustee command is their client), and the
officials' endpoints that name trustees and run the ceremony."""

from __future__ import annotations

from rest_framework import serializers

from apps.api.serializers import text_field
from apps.trustees.services import MAX_TRUSTEES

HEX_64 = r"^[0-9a-f]{64}$"


# --- officials


class TrusteesInput(serializers.Serializer):
    trustees = serializers.ListField(
        child=serializers.EmailField(), min_length=1, max_length=MAX_TRUSTEES
    )
    threshold = serializers.IntegerField(
        min_value=1,
        max_value=MAX_TRUSTEES,
        required=False,
        help_text="k of the n trustees are needed to decrypt; a majority when left out",
    )


class ReplaceTrusteeInput(serializers.Serializer):
    index = serializers.IntegerField(min_value=1, max_value=MAX_TRUSTEES)
    email = serializers.EmailField()


# --- the ceremony as everyone taking part sees it


class CeremonyElection(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.CharField()
    ceremony_id = serializers.CharField(help_text="empty until the ceremony starts")
    election_hash = serializers.CharField()
    parameters = serializers.JSONField(allow_null=True)
    threshold = serializers.IntegerField()
    trustee_count = serializers.IntegerField()
    label = serializers.CharField(  # type: ignore[assignment]  # a field named like Field.label
        help_text='"2 of 3"; a single holder is said to be one'
    )


class CeremonyTrustee(serializers.Serializer):
    index = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()
    encryption_key = serializers.CharField(help_text="X25519 public key, hex; empty until sent")
    commitment = serializers.JSONField(allow_null=True)
    shares_sent = serializers.IntegerField()
    shares_received = serializers.IntegerField()
    shares_checked = serializers.BooleanField()
    fingerprint = serializers.CharField(allow_null=True)
    next_step = serializers.CharField()


class CeremonyComplaint(serializers.Serializer):
    accuser = serializers.IntegerField()
    dealer = serializers.IntegerField()
    reason = serializers.CharField()
    resolved = serializers.BooleanField()
    resolution = serializers.CharField()


class CeremonyEnvelope(serializers.Serializer):
    dealer = serializers.IntegerField()
    envelope = serializers.CharField()


class CeremonyOutput(serializers.Serializer):
    election = CeremonyElection()
    you = serializers.IntegerField(allow_null=True, help_text="your trustee index, if you are one")
    trustees = CeremonyTrustee(many=True)
    envelopes_for_you = CeremonyEnvelope(many=True)
    sent_by_you = serializers.ListField(child=serializers.IntegerField())
    complaints = CeremonyComplaint(many=True)
    complete = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())
    election_key = serializers.JSONField(allow_null=True, help_text="set once the election opens")


class TrusteeElection(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.CharField()
    index = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    next_step = serializers.CharField()


# --- trustee inputs


class CeremonyStepInput(serializers.Serializer):
    ceremony_id = text_field(32)


class EncryptionKeyInput(CeremonyStepInput):
    encryption_key = serializers.RegexField(HEX_64)


class EnvelopeInput(serializers.Serializer):
    recipient = serializers.IntegerField(min_value=1, max_value=MAX_TRUSTEES)
    recipient_key = serializers.RegexField(HEX_64, help_text="the key it was sealed to")
    envelope = serializers.RegexField(r"^[0-9a-f]{1,256}$")


class DealingInput(CeremonyStepInput):
    commitment = serializers.JSONField(help_text="TrusteeCommitment: coefficients and proofs")
    envelopes = serializers.ListField(child=EnvelopeInput(), max_length=MAX_TRUSTEES)


class ComplaintInput(serializers.Serializer):
    dealer = serializers.IntegerField(min_value=1, max_value=MAX_TRUSTEES)
    reason = text_field(300)


class ShareCheckInput(CeremonyStepInput):
    commitments_hash = serializers.RegexField(
        HEX_64, help_text="SHA-256 of every commitment in index order, as checked"
    )
    complaints = serializers.ListField(child=ComplaintInput(), max_length=MAX_TRUSTEES)


# --- the tally


class TallyBallot(serializers.Serializer):
    tx_id = serializers.CharField()
    tracker = serializers.CharField()
    voter_pseudonym = serializers.CharField()


class TrusteeTallyOutput(serializers.Serializer):
    election = CeremonyElection()
    election_key = serializers.JSONField()
    aggregate = serializers.JSONField(help_text="the encrypted tally to decrypt")
    ballots = TallyBallot(many=True, help_text="exactly the ballots the aggregate adds up")
    excluded = serializers.JSONField(help_text="certified ballots the server did not count")
    voted = serializers.IntegerField(help_text="voters on the roll who voted")
    weights = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text="a weighted election's weight roll: voter pseudonym -> weight",
    )
    report = serializers.JSONField()
    decrypted_by = serializers.ListField(child=serializers.IntegerField())


class PartialDecryptionInput(serializers.Serializer):
    partial_decryption = serializers.JSONField(
        help_text="PartialDecryption: factors with Chaum-Pedersen proofs"
    )


class PartialDecryptionOutput(serializers.Serializer):
    state = serializers.CharField()
    decrypted_by = serializers.ListField(child=serializers.IntegerField())
    needed = serializers.IntegerField()
