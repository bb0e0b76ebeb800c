"""Elections: anyone sees the ones whose roll they are on; officials create and run them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import signed_in
from apps.api.permissions import IsOfficial, visible_election, visible_elections
from apps.api.serializers import (
    MAX_VOTERS_PER_REQUEST,
    ElectionInput,
    ElectionOutput,
    RollReport,
    VoterInput,
)
from apps.elections.models import Election
from apps.elections.services import (
    VoterRow,
    add_voters,
    close_election,
    create_election,
    is_accepting_votes,
    open_election,
)
from apps.elections.tally import tally_election


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
        official_only = self.action in {"create", "voters", "open", "close", "tally"}
        return [IsOfficial()] if official_only else [IsAuthenticated()]

    def get_queryset(self) -> QuerySet[Election]:
        return visible_elections(signed_in(self.request.user)).prefetch_related("candidates")

    def get_object(self) -> Election:
        return visible_election(signed_in(self.request.user), int(self.kwargs["pk"]))

    def list(self, request: Request) -> Response:
        return Response(ElectionOutput(self.get_queryset(), many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ElectionOutput(self.get_object()).data)

    @extend_schema(summary="Elections open for voting now")
    @action(detail=False, methods=["get"])
    def active(self, request: Request) -> Response:
        open_now = [
            e
            for e in self.get_queryset().filter(state=Election.State.OPEN)
            if is_accepting_votes(e)
        ]
        return Response(ElectionOutput(open_now, many=True).data)

    @extend_schema(request=ElectionInput, responses={201: ElectionOutput})
    def create(self, request: Request) -> Response:
        serializer = ElectionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        election = create_election(**serializer.validated_data)
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

    @extend_schema(request=None, responses=ElectionOutput)
    @action(detail=True, methods=["post"])
    def open(self, request: Request, pk: str) -> Response:
        return Response(ElectionOutput(open_election(self.get_object())).data)

    @extend_schema(request=None, responses=ElectionOutput)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        return Response(ElectionOutput(close_election(self.get_object())).data)

    @extend_schema(request=None, responses=ElectionOutput)
    @action(detail=True, methods=["post"])
    def tally(self, request: Request, pk: str) -> Response:
        return Response(ElectionOutput(tally_election(self.get_object())).data)
