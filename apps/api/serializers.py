"""What the API reads and writes. Input serializers only validate shapes and ranges; the
domain verbs decide everything else."""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from apps.elections.models import Candidate, Contest, Election, Reminder
from apps.elections.services import is_accepting_votes
from evcrypto.contests import MAX_CONTESTS, MAX_POINTS, MAX_SCORE, MAX_WEIGHT

# Ids are 64-bit in the database: anything larger is a 400, not an overflow deep inside.
MAX_ID = 2**63 - 1
MAX_CANDIDATES = 100
MAX_VOTERS_PER_REQUEST = 10_000
# A client-made ballot is ~0.7 KB of JSON per candidate; base64 adds a third.
MAX_ENCRYPTED_VOTE_CHARS = 200_000


class StrictCharField(serializers.CharField):
    """A JSON string only: DRF's CharField also takes a number and makes it text, which the
    schema (type string) does not allow."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: DRF's IntegerField also takes "7" and 7.0, which the schema (type
    integer) does not allow."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


def id_field(**kwargs: Any) -> serializers.IntegerField:
    return StrictIntegerField(min_value=1, max_value=MAX_ID, **kwargs)


# DRF refuses NUL in any string (and lone surrogates, which JSON generators do not make); the
# schema says so with this pattern.
PRINTABLE_TEXT = RegexValidator(r"^[^\x00]*$", "NUL is not allowed")


def text_field(max_length: int, min_length: int = 1, **kwargs: Any) -> serializers.CharField:
    """A string taken as sent (not trimmed), so that what the schema allows is what the field
    accepts; the verbs trim and refuse what is empty once trimmed (422)."""
    return StrictCharField(
        min_length=min_length or None,
        allow_blank=min_length == 0,
        max_length=max_length,
        trim_whitespace=False,
        validators=[PRINTABLE_TEXT],
        **kwargs,
    )


# --- auth


class LoginInput(serializers.Serializer):
    email = text_field(254)
    password = text_field(1024)


class TokenOutput(serializers.Serializer):
    access_token = StrictCharField()
    token_type = StrictCharField(default="bearer")


class ProfileOutput(serializers.Serializer):
    id = StrictIntegerField()
    email = serializers.EmailField()
    name = StrictCharField()
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

    def to_representation(self, instance: Election) -> dict[str, Any]:
        """An election of contests (record format 2) also lists them, each with its rule and
        the ids of its candidates; a single-question election's answer has no `contests`.
        The contests are read with the candidates (one prefetch for a whole list)."""
        data: dict[str, Any] = super().to_representation(instance)
        candidates = sorted(instance.candidates.all(), key=lambda c: c.position)
        contests = {c.contest.pk: c.contest for c in candidates if c.contest is not None}
        if contests:
            data["contests"] = [
                ContestOutput(contest).data
                | {"candidate_ids": [c.pk for c in candidates if c.contest_id == contest.pk]}
                for contest in sorted(contests.values(), key=lambda c: c.position)
            ]
        return data


class ContestOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="contest_id", help_text="its id in the parameters")

    class Meta:
        model = Contest
        fields = ["id", *Contest.FIELDS]


class NewElectionInput(serializers.Serializer):
    """What every new election has, besides its question or contests."""

    title = text_field(200)
    description = text_field(10_000, min_length=0, default="")
    opens_at = serializers.DateTimeField(required=False, allow_null=True)
    closes_at = serializers.DateTimeField(required=False, allow_null=True)


class ElectionInput(NewElectionInput):
    """A single-question election: its candidates and how many a voter chooses."""

    candidates = serializers.ListField(
        child=text_field(200), min_length=1, max_length=MAX_CANDIDATES
    )
    min_selections = StrictIntegerField(min_value=0, max_value=MAX_CANDIDATES, default=1)
    max_selections = StrictIntegerField(min_value=1, max_value=MAX_CANDIDATES, default=1)


class ContestInput(serializers.Serializer):
    """One contest of a new election: its options and its counting rule, `kind` with the
    fields that kind uses (the others are kept at their defaults and play no part)."""

    title = text_field(200)
    kind = serializers.ChoiceField(choices=Contest.Kind.choices, default=Contest.Kind.CHOOSE)
    options = serializers.ListField(child=text_field(200), min_length=1, max_length=MAX_CANDIDATES)
    min_selections = StrictIntegerField(
        min_value=0, max_value=MAX_CANDIDATES, default=1, help_text="choose: the fewest chosen"
    )
    max_selections = StrictIntegerField(
        min_value=1, max_value=MAX_CANDIDATES, default=1, help_text="choose: the most chosen"
    )
    max_score = StrictIntegerField(
        min_value=1, max_value=MAX_SCORE, default=5, help_text="score: 0 to this on each option"
    )
    points = StrictIntegerField(
        min_value=1,
        max_value=MAX_POINTS,
        default=10,
        help_text="cumulative: the points a voter shares out",
    )
    max_per_option = StrictIntegerField(
        min_value=1,
        max_value=MAX_POINTS,
        default=10,
        help_text="cumulative: the most points on one option, at most `points`",
    )


class ContestElectionInput(NewElectionInput):
    """An election of contests (record format 2). A single `choose` contest is a
    single-question election, its options the candidates."""

    contests = serializers.ListField(
        child=ContestInput(),
        min_length=1,
        max_length=MAX_CONTESTS,
        help_text=f"in ballot order; at most {MAX_CANDIDATES} options in all",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "candidates" in self.initial_data:
            raise serializers.ValidationError("send candidates or contests, not both")
        return attrs


# What the schema shows for a new election: one question, or contests.
NEW_ELECTION_SCHEMA = PolymorphicProxySerializer(
    component_name="NewElection",
    serializers=[ElectionInput, ContestElectionInput],
    resource_type_field_name=None,
)


class VoterInput(serializers.Serializer):
    """A voter for the roll. No password: a new account's voter is invited by e-mail to set
    their own."""

    email = serializers.EmailField()
    # Not trimmed here, so the length checked is the length sent; the verb trims.
    name = text_field(200, min_length=0, default="")
    weight = StrictIntegerField(
        min_value=1,
        max_value=MAX_WEIGHT,
        required=False,
        help_text="what the voter's ballot counts: 1 for a new voter when left out, unchanged "
        "for one on the roll",
    )


class InvitationsInput(serializers.Serializer):
    emails = serializers.ListField(
        child=serializers.EmailField(),
        max_length=MAX_VOTERS_PER_REQUEST,
        help_text="voters on the roll to invite again; every voter who never logged in when empty",
        default=list,
    )


class ReminderInput(serializers.Serializer):
    send_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="when to send it (ISO 8601, after the opening and before the closing time); "
        "now when absent",
    )


class ReminderOutput(serializers.Serializer):
    id = StrictIntegerField()
    send_at = serializers.DateTimeField()
    state = serializers.ChoiceField(
        choices=Reminder.State.values,
        help_text="skipped: the election was not open at send_at, nothing was sent",
    )
    sent = StrictIntegerField(help_text="e-mails sent so far")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class InvitationsOutput(serializers.Serializer):
    queued = StrictIntegerField(help_text="invitations the worker will send")


class RollReport(serializers.Serializer):
    added = StrictIntegerField()
    already_on_roll = StrictIntegerField()
    users_created = StrictIntegerField()


# --- votes


class ElectionQuery(serializers.Serializer):
    # A query string is text: "7" is how an integer is written there.
    election_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class PublicKeysOutput(serializers.Serializer):
    election_id = StrictIntegerField()
    chain_election_id = StrictCharField()
    group = StrictCharField()
    elgamal_pubkey = StrictCharField(help_text="the public key element, hex")
    election_key = serializers.JSONField(help_text="the full election key (trustee commitments)")
    election_hash = StrictCharField()
    voter_pseudonym = StrictCharField(
        allow_null=True,
        help_text="bind your ballot's proofs to this (null if you are not on the roll)",
    )
    candidates = CandidateOutput(many=True)
    min_selections = StrictIntegerField()
    max_selections = StrictIntegerField()
    contests = serializers.JSONField(
        required=False,
        help_text="an election of contests (record format 2): its parameters' contests, in "
        "ballot order; encrypt with them, and `candidates` in the same option order",
    )
    weighted = serializers.BooleanField(required=False)


class HasVotedOutput(serializers.Serializer):
    election_id = StrictIntegerField()
    has_voted = serializers.BooleanField()


def contest_values_field(**options: Any) -> serializers.DictField:
    """An election of contests' choice for the server to encrypt: contest id -> one value
    per option (0/1 for `choose`, points for `score` and `cumulative`)."""
    return serializers.DictField(
        child=serializers.ListField(
            child=StrictIntegerField(min_value=0, max_value=MAX_POINTS),
            max_length=MAX_CANDIDATES,
        ),
        allow_empty=False,
        help_text="an election of contests: contest id -> one value per option, in order; "
        "the server encrypts it and never stores it",
        **options,
    )


class SubmitInput(serializers.Serializer):
    """Exactly one of: a client-made ballot, or the choice for the server to encrypt."""

    election_id = id_field()
    encrypted_vote = StrictCharField(
        required=False,
        max_length=MAX_ENCRYPTED_VOTE_CHARS,
        help_text="base64 of the ballot's canonical JSON (ciphertexts and proofs)",
    )
    candidate_id = id_field(required=False)
    candidate_ids = serializers.ListField(
        child=id_field(), required=False, max_length=MAX_CANDIDATES, min_length=1
    )
    values = contest_values_field(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        ways = ("encrypted_vote", "candidate_id", "candidate_ids", "values")
        given = [k for k in ways if k in attrs]
        if len(given) != 1:
            raise serializers.ValidationError(
                "send exactly one of encrypted_vote, candidate_id, candidate_ids or values"
            )
        return attrs


class EncryptedVoteInput(serializers.Serializer):
    election_id = id_field()
    encrypted_vote = text_field(
        MAX_ENCRYPTED_VOTE_CHARS,
        help_text="base64 of the ballot's canonical JSON (ciphertexts and proofs)",
    )


class ChoiceInput(serializers.Serializer):
    election_id = id_field()
    candidate_id = id_field(help_text="the server encrypts this choice and never stores it")


class ChoicesInput(serializers.Serializer):
    election_id = id_field()
    candidate_ids = serializers.ListField(child=id_field(), max_length=MAX_CANDIDATES, min_length=1)


class ValuesInput(serializers.Serializer):
    election_id = id_field()
    values = contest_values_field()


# What the schema shows for SubmitInput: exactly one of the four ways to vote.
SUBMIT_SCHEMA = PolymorphicProxySerializer(
    component_name="SubmitInput",
    serializers=[EncryptedVoteInput, ChoiceInput, ChoicesInput, ValuesInput],
    resource_type_field_name=None,
)


SCALAR_HEX = RegexValidator(r"^[0-9a-f]{64}$", "a scalar is 64 lowercase hex digits")


class SpoilInput(serializers.Serializer):
    """A ballot challenged instead of cast, with what its client reveals (the Benaloh
    challenge): the randomness and the choice, one entry per candidate in ballot order."""

    election_id = id_field()
    encrypted_vote = text_field(
        MAX_ENCRYPTED_VOTE_CHARS,
        help_text="base64 of the ballot's canonical JSON, as for casting",
    )
    randomness = serializers.ListField(
        child=StrictCharField(min_length=64, max_length=64, validators=[SCALAR_HEX]),
        min_length=1,
        max_length=MAX_CANDIDATES,
        help_text="each selection's encryption randomness r, 64 hex digits: alpha = r*G",
    )
    choice = serializers.ListField(
        child=StrictIntegerField(min_value=0, max_value=MAX_POINTS),
        min_length=1,
        max_length=MAX_CANDIDATES,
        help_text="the claimed choice: 1 for each chosen candidate, 0 for the others (in an "
        "election of contests, each option's value)",
    )


class SpoilOutput(serializers.Serializer):
    election_id = StrictIntegerField()
    tracker = StrictCharField(help_text="the spoiled ballot's tracker: look it up at /check/")
    choice = serializers.ListField(child=StrictIntegerField())
    candidates = CandidateOutput(
        many=True, help_text="the candidates decoded from the revealed randomness"
    )
    check_url = StrictCharField(help_text="the public page that shows this spoiled ballot")


class ReceiptOutput(serializers.Serializer):
    election_id = StrictIntegerField()
    transaction_id = StrictCharField()
    tracker = StrictCharField()
    status = StrictCharField()


class HistoryEntry(ReceiptOutput):
    election_title = StrictCharField()
    block_height = StrictIntegerField(allow_null=True)
    cast_at = serializers.DateTimeField()


class TransactionQuery(ElectionQuery):
    transaction_id = text_field(64)


class TransactionStatusOutput(serializers.Serializer):
    transaction_id = StrictCharField()
    election_id = StrictIntegerField()
    status = serializers.ChoiceField(choices=["pending", "fallback", "confirmed"])
    block_height = StrictIntegerField(allow_null=True)
    block_hash = StrictCharField(allow_null=True)


class ResultRow(serializers.Serializer):
    candidate_id = StrictIntegerField()
    name = StrictCharField()
    votes = StrictIntegerField()


class Turnout(serializers.Serializer):
    voted = StrictIntegerField()
    eligible = StrictIntegerField()


class ResultsOutput(serializers.Serializer):
    election_id = StrictIntegerField()
    state = StrictCharField()
    turnout = Turnout()
    results = ResultRow(many=True, allow_null=True, help_text="null until the tally")
    proof = serializers.JSONField(
        allow_null=True, help_text="the encrypted aggregate and its proven decryption"
    )
    verification = serializers.JSONField(allow_null=True)
    contests = serializers.JSONField(
        required=False,
        help_text="an election of contests: per contest its id, title, rule and each option's "
        "(weighted) total",
    )
    weighted = serializers.BooleanField(required=False)
    total_weight = serializers.IntegerField(
        required=False, help_text="the weight the totals count (the ballots, unweighted)"
    )


class VerifyInput(ElectionQuery):
    pass


class ValidatorVerdict(serializers.Serializer):
    """One validator's report on its own copy (apps.network.verification)."""

    node_id = StrictCharField()
    reachable = serializers.BooleanField()
    height = StrictIntegerField(allow_null=True)
    last_hash = StrictCharField(allow_null=True)
    valid = serializers.BooleanField()
    agrees = serializers.BooleanField(required=False, help_text="a prefix of the highest chain")
    transactions = StrictIntegerField(required=False)
    problem = StrictCharField(required=False, allow_null=True)
    error = StrictCharField(required=False)


class ChainVerificationOutput(serializers.Serializer):
    election_id = StrictIntegerField()
    valid = serializers.BooleanField()
    # DRF's metaclass takes declared fields off the class, so this does not shadow
    # Field.validators at run time; the stubs cannot know that.
    validators = ValidatorVerdict(many=True)  # type: ignore[assignment]
    agree = serializers.BooleanField()
    fallback_chain_valid = serializers.BooleanField()


# --- validators and health


class ValidatorHealthRow(serializers.Serializer):
    """One validator as the last health check saw it (apps.network.health)."""

    node_id = StrictCharField()
    url = StrictCharField()
    status = serializers.ChoiceField(choices=["healthy", "degraded", "unreachable"])
    height = StrictIntegerField()
    lag = StrictIntegerField(help_text="blocks behind the highest known validator")
    last_block_hash = StrictCharField()
    latency_ms = StrictIntegerField(allow_null=True)
    last_seen_at = serializers.DateTimeField(allow_null=True)
    checked_at = serializers.DateTimeField()
    evidence_count = StrictIntegerField()
    error = StrictCharField()


class ValidatorHealthOutput(serializers.Serializer):
    healthy = StrictIntegerField()
    validators = ValidatorHealthRow(many=True)  # type: ignore[assignment]  # as above


class HealthOutput(serializers.Serializer):
    service = StrictCharField()
    status = StrictCharField()
    validators_healthy = StrictIntegerField(allow_null=True)
