"""Elections: anyone sees the ones whose roll they are on; officials create and run them."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import signed_in
from apps.api.job_serializers import JobStarted
from apps.api.permissions import IsOfficial, IsOfficialCreating, IsOfficialWatching
from apps.api.serializers import (
    MAX_VOTERS_PER_REQUEST,
    NEW_ELECTION_SCHEMA,
    ContestElectionInput,
    ElectionInput,
    ElectionOutput,
    InvitationsInput,
    InvitationsOutput,
    ReminderInput,
    ReminderOutput,
    RollReport,
    VoterInput,
)
from apps.api.trustee_serializers import CeremonyOutput, ReplaceTrusteeInput, TrusteesInput
from apps.api.views.jobs import accepted
from apps.elections.access import visible_election, visible_elections
from apps.elections.copying import copy_election
from apps.elections.errors import InvalidInput
from apps.elections.jobs import start_job, unfinished_job
from apps.elections.models import Candidate, Election, Job
from apps.elections.reminders import schedule_reminder
from apps.elections.services import (
    ContestSpec,
    VoterRow,
    add_voters,
    create_contest_election,
    create_election,
    invite_again,
    is_accepting_votes,
    open_election,
    start_closing,
)
from apps.elections.tally import check_tally_can_start
from apps.trustees.ceremony import ceremony_document
from apps.trustees.services import (
    name_trustees,
    replace_trustee,
    restart_ceremony,
    start_ceremony,
)

# An election's candidates with the contest of each, as ElectionOutput shows them.
CANDIDATES_WITH_CONTESTS = Prefetch(
    "candidates", queryset=Candidate.objects.select_related("contest")
)


@extend_schema_view(
    list=extend_schema(summary="Elections you may see (all of them for officials)"),
    retrieve=extend_schema(summary="One election: candidates with ids, state, public key"),
)
@extend_schema(tags=["elections"])
class ElectionViewSet(viewsets.GenericViewSet):
    serializer_class = ElectionOutput
    lookup_value_regex = "[0-9]+"
    pagination_class = None

    def get_permissions(self) -> list[Any]:
        if self.action in ("create", "copy"):
            return [IsOfficialCreating()]
        if self.action == "ceremony" or (
            self.action == "reminders" and self.request.method == "GET"
        ):
            return [IsOfficialWatching()]
        official_only = self.action in {
            "voters",
            "invitations",
            "open",
            "close",
            "tally",
            "trustees",
            "start_ceremony",
            "restart_ceremony",
            "replace_trustee",
            "reminders",
        }
        return [IsOfficial()] if official_only else [IsAuthenticated()]

    def get_queryset(self) -> QuerySet[Election]:
        return visible_elections(signed_in(self.request.user)).prefetch_related(
            CANDIDATES_WITH_CONTESTS
        )

    def get_object(self) -> Election:
        election = visible_election(signed_in(self.request.user), int(self.kwargs["pk"]))
        prefetch_related_objects([election], CANDIDATES_WITH_CONTESTS)
        return election

    def list(self, request: Request) -> Response:
        return Response(ElectionOutput(self.get_queryset(), many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ElectionOutput(self.get_object()).data)

    @extend_schema(summary="Elections open for voting now", responses=ElectionOutput(many=True))
    @action(detail=False, methods=["get"])
    def active(self, request: Request) -> Response:
        open_now = [
            e
            for e in self.get_queryset().filter(state=Election.State.OPEN)
            if is_accepting_votes(e)
        ]
        return Response(ElectionOutput(open_now, many=True).data)

    @extend_schema(
        summary="Create a draft election: one question (`candidates`) or contests",
        description="`contests` makes an election of contests (record format 2), each with "
        "its options and counting rule (`choose`, `score` or `cumulative`); a single `choose` "
        "contest is a single-question election. 400 when the body does not match the schema "
        "(`contests[1].max_score: ...`), 422 naming the contest when it matches but the rule "
        "cannot hold (`contests[0]: choose rule: max 4 above 3 options`, repeated options); "
        "nothing is stored then.",
        request=NEW_ELECTION_SCHEMA,
        responses={201: ElectionOutput},
    )
    def create(self, request: Request) -> Response:
        if isinstance(request.data, dict) and "contests" in request.data:
            election = _create_contest_election(request.data)
        else:
            serializer = ElectionInput(data=request.data)
            serializer.is_valid(raise_exception=True)
            election = create_election(**serializer.validated_data)
        prefetch_related_objects([election], CANDIDATES_WITH_CONTESTS)
        return Response(ElectionOutput(election).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Put voters on the roll (idempotent), creating accounts for new e-mails",
        description="An existing account keeps its name and password; only the roll changes.",
        request=VoterInput(many=True),
        responses=RollReport,
    )
    @action(detail=True, methods=["post"])
    def voters(self, request: Request, pk: str) -> Response:
        election = self.get_object()
        serializer: serializers.ListSerializer[Any] = serializers.ListSerializer(
            child=VoterInput(), data=request.data, max_length=MAX_VOTERS_PER_REQUEST
        )
        serializer.is_valid(raise_exception=True)
        rows = [VoterRow(**row) for row in serializer.validated_data]
        report = add_voters(election, rows)
        return Response(RollReport(report).data)

    @extend_schema(
        summary="Send voters on the roll their invitation (to set a password) again",
        request=InvitationsInput,
        responses=InvitationsOutput,
    )
    @action(detail=True, methods=["post"])
    def invitations(self, request: Request, pk: str) -> Response:
        serializer = InvitationsInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        queued = invite_again(self.get_object(), serializer.validated_data["emails"])
        return Response({"queued": queued})

    @extend_schema(
        methods=["GET"],
        summary="The election's reminders, latest first",
        request=None,
        responses=ReminderOutput(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="E-mail every voter on the roll who has not voted a reminder, now or later",
        description="Now (no `send_at`) needs an open election; a later time a draft or open "
        "one, between its opening and closing times (409 `wrong_state`, 422 with the reason). "
        "The worker sends it, at most once per voter; the e-mail carries the log-in page "
        "address and no token.",
        request=ReminderInput,
        responses={201: ReminderOutput},
    )
    @action(detail=True, methods=["get", "post"])
    def reminders(self, request: Request, pk: str) -> Response:
        election = self.get_object()
        if request.method == "GET":
            return Response(ReminderOutput(election.reminders.all(), many=True).data)
        serializer = ReminderInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        reminder = schedule_reminder(
            election, serializer.validated_data["send_at"], signed_in(request.user)
        )
        return Response(ReminderOutput(reminder).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Copy the election (in any state) as a new draft",
        description='Title with " (copy)", description, contests and candidates, selection '
        "limits, threshold and roll; no trustees, key, times, votes or results.",
        request=None,
        responses={201: ElectionOutput},
    )
    @action(detail=True, methods=["post"])
    def copy(self, request: Request, pk: str) -> Response:
        copied = copy_election(self.get_object())
        prefetch_related_objects([copied], CANDIDATES_WITH_CONTESTS)
        return Response(ElectionOutput(copied).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ElectionOutput)
    @action(detail=True, methods=["post"])
    def open(self, request: Request, pk: str) -> Response:
        return Response(ElectionOutput(open_election(self.get_object())).data)

    @extend_schema(
        summary="Close the election, on the worker: 202 with the job's status URL",
        request=None,
        responses={202: JobStarted},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        return accepted(request, start_closing(self.get_object(), signed_in(request.user)))

    @extend_schema(
        summary="Start the tally, or publish it once decrypted, on the worker: 202 with the "
        "job's status URL",
        description="The quick refusals answer at once (wrong state, votes still in delivery, "
        "too few partial decryptions; 409 `job_running` while a tally job is unfinished); "
        "reading and checking the chain runs on the worker, and its refusal is the job's "
        "`error`.",
        request=None,
        responses={202: JobStarted},
    )
    @action(detail=True, methods=["post"])
    def tally(self, request: Request, pk: str) -> Response:
        election = self.get_object()
        if unfinished_job(election, Job.Kind.TALLY) is None:
            check_tally_can_start(election)
        return accepted(request, start_job(Job.Kind.TALLY, election, request.user))

    @extend_schema(
        summary="Name the trustees (k of n) and start their key ceremony",
        description="Fixes the ballot. Any earlier ceremony of this draft is discarded. Each "
        "trustee then runs `python -m trustee ceremony` with their own token.",
        request=TrusteesInput,
        responses=CeremonyOutput,
    )
    @action(detail=True, methods=["post"])
    def trustees(self, request: Request, pk: str) -> Response:
        serializer = TrusteesInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        election = name_trustees(self.get_object(), data["trustees"], data.get("threshold"))
        return Response(ceremony_document(election, None))

    @extend_schema(summary="Where the key ceremony stands", responses=CeremonyOutput)
    @action(detail=True, methods=["get"])
    def ceremony(self, request: Request, pk: str) -> Response:
        return Response(ceremony_document(self.get_object(), None))

    @extend_schema(
        summary="Start the key ceremony again with the named trustees (fixes the ballot)",
        request=None,
        responses=CeremonyOutput,
    )
    @action(detail=True, methods=["post"], url_path="start-ceremony")
    def start_ceremony(self, request: Request, pk: str) -> Response:
        return Response(ceremony_document(start_ceremony(self.get_object()), None))

    @extend_schema(
        summary="Discard the ceremony's material and complaints; the ballot can change again",
        request=None,
        responses=CeremonyOutput,
    )
    @action(detail=True, methods=["post"], url_path="restart-ceremony")
    def restart_ceremony(self, request: Request, pk: str) -> Response:
        return Response(ceremony_document(restart_ceremony(self.get_object()), None))

    @extend_schema(
        summary="Give a trustee's place to someone else (resolves complaints naming it)",
        request=ReplaceTrusteeInput,
        responses=CeremonyOutput,
    )
    @action(detail=True, methods=["post"], url_path="replace-trustee")
    def replace_trustee(self, request: Request, pk: str) -> Response:
        serializer = ReplaceTrusteeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        election = self.get_object()
        replace_trustee(
            election, serializer.validated_data["index"], serializer.validated_data["email"]
        )
        return Response(ceremony_document(election, None))


def _create_contest_election(body: dict[str, Any]) -> Election:
    serializer = ContestElectionInput(data=body)
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    for name in ("min_selections", "max_selections"):
        if name in body:
            raise InvalidInput(f"{name}: an election of contests sets it on each contest")
    specs = [ContestSpec(**contest) for contest in data.pop("contests")]
    return create_contest_election(contests=specs, **data)
