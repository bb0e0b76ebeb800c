"""What the API reads and writes. Input serializers only validate shapes and ranges; the
domain verbs decide everything else."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.elections.models import Candidate, Election
from apps.elections.services import is_accepting_votes

# Ids are 64-bit in the database: anything larger is a 400, not an overflow deep inside.
MAX_ID = 2**63 - 1
MAX_CANDIDATES = 100
MAX_VOTERS_PER_REQUEST = 10_000
# A client-made ballot is ~0.7 KB of JSON per candidate; base64 adds a third.
MAX_ENCRYPTED_VOTE_CHARS = 200_000


def id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


# --- auth


class LoginInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=1024, trim_whitespace=False)


class TokenOutput(serializers.Serializer):
    access_token = serializers.CharField()
    token_type = serializers.CharField(default="bearer")


class ProfileOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    is_staff = serializers.BooleanField()


# --- elections


class CandidateOutput(serializers.ModelSerializer):
    class Meta:
        model = Candidate
        fields = ["id", "name", "position"]


class ElectionOutput(serializers.ModelSerializer):
    candidates = CandidateOutput(many=True, read_only=True)
    accepting_votes = serializers.SerializerMethodField()

    class Meta:
        model = Election
        fields = [
            "id",
            "chain_election_id",
            "title",
            "description",
            "state",
            "accepting_votes",
            "opens_at",
            "closes_at",
            "min_selections",
            "max_selections",
            "election_hash",
            "public_key",
            "candidates",
        ]

    def get_accepting_votes(self, election: Election) -> bool:
        return is_accepting_votes(election)


class ElectionInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, default="", max_length=10_000)
    candidates = serializers.ListField(
        child=serializers.CharField(max_length=200), min_length=1, max_length=MAX_CANDIDATES
    )
    min_selections = serializers.IntegerField(min_value=0, max_value=MAX_CANDIDATES, default=1)
    max_selections = serializers.IntegerField(min_value=1, max_value=MAX_CANDIDATES, default=1)
    opens_at = serializers.DateTimeField(required=False, allow_null=True)
    closes_at = serializers.DateTimeField(required=False, allow_null=True)


class VoterInput(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField(max_length=200, allow_blank=True, default="")
    password = serializers.CharField(
        max_length=128, required=False, allow_null=True, trim_whitespace=False
    )


class RollReport(serializers.Serializer):
    added = serializers.IntegerField()
    already_on_roll = serializers.IntegerField()
    users_created = serializers.IntegerField()


# --- votes


class ElectionQuery(serializers.Serializer):
    election_id = id_field()


class PublicKeysOutput(serializers.Serializer):
    election_id = serializers.IntegerField()
    chain_election_id = serializers.CharField()
    group = serializers.CharField()
    elgamal_pubkey = serializers.CharField(help_text="the public key element, hex")
    election_key = serializers.JSONField(help_text="the full election key (trustee commitments)")
    election_hash = serializers.CharField()
    voter_pseudonym = serializers.CharField(
        allow_null=True,
        help_text="bind your ballot's proofs to this (null if you are not on the roll)",
    )
    candidates = CandidateOutput(many=True)
    min_selections = serializers.IntegerField()
    max_selections = serializers.IntegerField()


class HasVotedOutput(serializers.Serializer):
    election_id = serializers.IntegerField()
    has_voted = serializers.BooleanField()


class SubmitInput(serializers.Serializer):
    """Exactly one of: a client-made ballot, or the choice for the server to encrypt."""

    election_id = id_field()
    encrypted_vote = serializers.CharField(
        required=False,
        max_length=MAX_ENCRYPTED_VOTE_CHARS,
        help_text="base64 of the ballot's canonical JSON (ciphertexts and proofs)",
    )
    candidate_id = id_field(required=False)
    candidate_ids = serializers.ListField(
        child=id_field(), required=False, max_length=MAX_CANDIDATES, min_length=1
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [k for k in ("encrypted_vote", "candidate_id", "candidate_ids") if k in attrs]
        if len(given) != 1:
            raise serializers.ValidationError(
                "send exactly one of encrypted_vote, candidate_id or candidate_ids"
            )
        return attrs


class ReceiptOutput(serializers.Serializer):
    election_id = serializers.IntegerField()
    transaction_id = serializers.CharField()
    tracker = serializers.CharField()
    status = serializers.CharField()


class HistoryEntry(ReceiptOutput):
    election_title = serializers.CharField()
    block_height = serializers.IntegerField(allow_null=True)
    cast_at = serializers.DateTimeField()


class TransactionQuery(ElectionQuery):
    transaction_id = serializers.CharField(max_length=64)


class TransactionStatusOutput(serializers.Serializer):
    transaction_id = serializers.CharField()
    election_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["pending", "fallback", "confirmed"])
    block_height = serializers.IntegerField(allow_null=True)
    block_hash = serializers.CharField(allow_null=True)


class ResultRow(serializers.Serializer):
    candidate_id = serializers.IntegerField()
    name = serializers.CharField()
    votes = serializers.IntegerField()


class Turnout(serializers.Serializer):
    voted = serializers.IntegerField()
    eligible = serializers.IntegerField()


class ResultsOutput(serializers.Serializer):
    election_id = serializers.IntegerField()
    state = serializers.CharField()
    turnout = Turnout()
    results = ResultRow(many=True, allow_null=True, help_text="null until the tally")
    proof = serializers.JSONField(
        allow_null=True, help_text="the encrypted aggregate and its proven decryption"
    )
    verification = serializers.JSONField(allow_null=True)


class VerifyInput(ElectionQuery):
    pass


class ValidatorVerdict(serializers.Serializer):
    """One validator's report on its own copy (apps.chain.verification)."""

    node_id = serializers.CharField()
    reachable = serializers.BooleanField()
    height = serializers.IntegerField(allow_null=True)
    last_hash = serializers.CharField(allow_null=True)
    valid = serializers.BooleanField()
    agrees = serializers.BooleanField(required=False, help_text="a prefix of the highest chain")
    transactions = serializers.IntegerField(required=False)
    problem = serializers.CharField(required=False, allow_null=True)
    error = serializers.CharField(required=False)


class ChainVerificationOutput(serializers.Serializer):
    election_id = serializers.IntegerField()
    valid = serializers.BooleanField()
    # DRF's metaclass takes declared fields off the class, so this does not shadow
    # Field.validators at run time; the stubs cannot know that.
    validators = ValidatorVerdict(many=True)  # type: ignore[assignment]
    agree = serializers.BooleanField()
    fallback_chain_valid = serializers.BooleanField()


# --- validators and health


class ValidatorHealthRow(serializers.Serializer):
    """One validator as the last health check saw it (apps.chain.health)."""

    node_id = serializers.CharField()
    url = serializers.CharField()
    status = serializers.ChoiceField(choices=["healthy", "degraded", "unreachable"])
    height = serializers.IntegerField()
    lag = serializers.IntegerField(help_text="blocks behind the highest known validator")
    last_block_hash = serializers.CharField()
    latency_ms = serializers.IntegerField(allow_null=True)
    last_seen_at = serializers.DateTimeField(allow_null=True)
    checked_at = serializers.DateTimeField()
    evidence_count = serializers.IntegerField()
    error = serializers.CharField()


class ValidatorHealthOutput(serializers.Serializer):
    healthy = serializers.IntegerField()
    validators = ValidatorHealthRow(many=True)  # type: ignore[assignment]  # as above


class HealthOutput(serializers.Serializer):
    service = serializers.CharField()
    status = serializers.CharField()
    validators_healthy = serializers.IntegerField(allow_null=True)
