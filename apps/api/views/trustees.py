"""The trustee endpoints, under /api/trustee/: what the trustee command calls with the
trustee's own token. Each view gets the caller's Trustee row for the election in the URL, or
the request is refused (404 no such election, 403 not one of its trustees)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from apps.accounts.models import signed_in
from apps.api.trustee_serializers import (
    CeremonyOutput,
    DealingInput,
    EncryptionKeyInput,
    PartialDecryptionInput,
    PartialDecryptionOutput,
    ShareCheckInput,
    TrusteeElection,
    TrusteeTallyOutput,
)
from apps.elections.errors import InvalidInput, NotFound, NotTrustee, WrongState
from apps.elections.models import Election
from apps.elections.services import weight_roll, weights_fixed
from apps.elections.tally import accept_partial_decryption
from apps.trustees.ceremony import ceremony_document, ceremony_election, ceremony_status
from apps.trustees.models import DecryptionShare, Trustee
from apps.trustees.services import publish_dealing, publish_encryption_key, report_share_check
from apps.votes.models import Vote

TrusteeView = Callable[[Request, Trustee, dict[str, Any]], Response]


def as_trustee(
    input_serializer: type[Serializer] | None = None,
) -> Callable[[TrusteeView], Callable[..., Response]]:
    """Hand the view the caller's Trustee row for the URL's election and the validated body."""

    def decorate(view: TrusteeView) -> Callable[..., Response]:
        @wraps(view)
        def checked(request: Request, election_id: str) -> Response:
            election = Election.objects.filter(pk=int(election_id)).first()
            if election is None:
                raise NotFound(f"there is no election {election_id}")
            trustee = (
                Trustee.objects.filter(election=election, user=signed_in(request.user))
                .select_related("election", "user")
                .first()
            )
            if trustee is None:
                raise NotTrustee("you are not a trustee of this election")
            data: dict[str, Any] = {}
            if input_serializer is not None:
                serializer = input_serializer(data=request.data)
                serializer.is_valid(raise_exception=True)
                data = dict(serializer.validated_data)
            return view(request, trustee, data)

        return checked

    return decorate


@extend_schema(responses=TrusteeElection(many=True), tags=["trustees"])
@api_view(["GET"])
def my_elections(request: Request) -> Response:
    """The elections you are a trustee of, with your next step in each."""
    rows = []
    for trustee in Trustee.objects.filter(user=signed_in(request.user)).select_related("election"):
        status = ceremony_status(trustee.election)
        mine = next(p for p in status.trustees if p.index == trustee.index)
        rows.append(
            {
                "id": trustee.election.pk,
                "title": trustee.election.title,
                "state": trustee.election.state,
                "index": trustee.index,
                "label": status.label,
                "next_step": next_step(trustee.election, mine.next_step),
            }
        )
    return Response(rows)


def next_step(election: Election, ceremony_step: str) -> str:
    if election.state == Election.State.DRAFT:
        return ceremony_step if election.ceremony_id else "wait for the ceremony to start"
    if election.state == Election.State.TALLYING:
        return "decrypt the tally"
    return "nothing to do now"


@extend_schema(responses=CeremonyOutput, tags=["trustees"])
@api_view(["GET"])
@as_trustee()
def ceremony(request: Request, trustee: Trustee, data: dict[str, Any]) -> Response:
    """The key ceremony: every trustee's public material, and the envelopes sent to you."""
    return Response(ceremony_document(trustee.election, trustee.index))


@extend_schema(request=EncryptionKeyInput, responses=CeremonyOutput, tags=["trustees"])
@api_view(["POST"])
@as_trustee(EncryptionKeyInput)
def encryption_key(request: Request, trustee: Trustee, data: dict[str, Any]) -> Response:
    """Publish the X25519 key that the other trustees seal your shares to."""
    publish_encryption_key(trustee, data["ceremony_id"], data["encryption_key"])
    return Response(ceremony_document(trustee.election, trustee.index))


@extend_schema(request=DealingInput, responses=CeremonyOutput, tags=["trustees"])
@api_view(["POST"])
@as_trustee(DealingInput)
def dealing(request: Request, trustee: Trustee, data: dict[str, Any]) -> Response:
    """Publish your commitment (its proofs are checked) and sealed shares for the others."""
    envelopes = {e["recipient"]: (e["recipient_key"], e["envelope"]) for e in data["envelopes"]}
    if len(envelopes) != len(data["envelopes"]):
        raise InvalidInput("one envelope per recipient")
    publish_dealing(trustee, data["ceremony_id"], data["commitment"], envelopes)
    return Response(ceremony_document(trustee.election, trustee.index))


@extend_schema(request=ShareCheckInput, responses=CeremonyOutput, tags=["trustees"])
@api_view(["POST"])
@as_trustee(ShareCheckInput)
def share_check(request: Request, trustee: Trustee, data: dict[str, Any]) -> Response:
    """Report that every share sent to you matches its commitment, or publish complaints."""
    complaints = [(c["dealer"], c["reason"]) for c in data["complaints"]]
    report_share_check(trustee, data["ceremony_id"], data["commitments_hash"], complaints)
    return Response(ceremony_document(trustee.election, trustee.index))


@extend_schema(responses=TrusteeTallyOutput, tags=["trustees"])
@api_view(["GET"])
@as_trustee()
def tally(request: Request, trustee: Trustee, data: dict[str, Any]) -> Response:
    """The aggregate to decrypt and exactly which ballots it adds up, to check on the chain."""
    election = trustee.election
    if election.aggregate is None:
        raise WrongState(f"the tally has not started (the election is {election.state})")
    report = election.tally_report or {}
    ballots = Vote.objects.filter(election=election).order_by("block_height", "id")
    # A weighted election's aggregate counts each ballot its voter's weight: the trustee
    # checks this roll against the weights_hash its parameters commit to.
    weights = {"weights": weight_roll(election)} if weights_fixed(election) else {}
    return Response(
        weights
        | {
            "election": ceremony_election(election, ceremony_status(election)),
            "election_key": election.public_key,
            "aggregate": election.aggregate,
            "ballots": [
                {
                    "tx_id": v.transaction_id,
                    "tracker": v.tracker,
                    "voter_pseudonym": v.voter_pseudonym,
                }
                for v in ballots
            ],
            "excluded": report.get("excluded", []),
            "voted": election.roll.filter(voted_at__isnull=False).count(),
            "report": report,
            "decrypted_by": decrypted_by(election),
        }
    )


def decrypted_by(election: Election) -> list[int]:
    return list(
        DecryptionShare.objects.filter(election=election).values_list("trustee__index", flat=True)
    )


@extend_schema(request=PartialDecryptionInput, responses=PartialDecryptionOutput, tags=["trustees"])
@api_view(["POST"])
@as_trustee(PartialDecryptionInput)
def partial_decryption(request: Request, trustee: Trustee, data: dict[str, Any]) -> Response:
    """Your partial decryption of the aggregate, with proofs; checked on arrival. With k of
    them the results are published."""
    election = accept_partial_decryption(trustee, data["partial_decryption"])
    return Response(
        {
            "state": election.state,
            "decrypted_by": decrypted_by(election),
            "needed": election.threshold,
        }
    )
