"""Voting: the key to encrypt with, casting, receipts and their status, results, and checking
the chain. Each view gets its election already loaded and checked (permissions.election_from).

Transaction status is answered to anyone who may see the election, not only to the voter who
cast it: a transaction id is 128 random bits (unguessable, so it works as a capability the voter
may hand to an auditor), and what the answer shows (pending/confirmed, block) is published on
the validators' chain anyway. It never shows the voter or the choice.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import signed_in
from apps.api.permissions import election_from
from apps.api.serializers import (
    SUBMIT_SCHEMA,
    ChainVerificationOutput,
    ElectionQuery,
    HasVotedOutput,
    HistoryEntry,
    PublicKeysOutput,
    ReceiptOutput,
    ResultsOutput,
    SpoilInput,
    SpoilOutput,
    SubmitInput,
    TransactionQuery,
    TransactionStatusOutput,
    VerifyInput,
)
from apps.elections.errors import InvalidBallot, NotFound
from apps.elections.models import Election, RollEntry
from apps.elections.results import published_results
from apps.votes.models import Vote
from apps.votes.services import (
    ballot_parameters,
    cast_ballot,
    cast_choice,
    cast_values,
    spoil_ballot,
    spoiled_choice,
    voter_pseudonym,
)


@extend_schema(parameters=[ElectionQuery], responses=PublicKeysOutput, tags=["votes"])
@api_view(["GET"])
@election_from(ElectionQuery)
def public_keys(request: Request, election: Election, data: dict[str, Any]) -> Response:
    """What a client needs to encrypt a ballot itself, including its own voter pseudonym."""
    user = signed_in(request.user)
    on_roll = RollEntry.objects.filter(election=election, user=user).exists()
    ballot = ballot_parameters(election, user if on_roll else None)
    body = {
        "election_id": election.pk,
        "chain_election_id": election.chain_election_id,
        "group": ballot.public_key.group.name,
        "elgamal_pubkey": ballot.public_key.element.hex(),
        "election_key": election.public_key,
        "election_hash": ballot.election_hash,
        "voter_pseudonym": ballot.voter_pseudonym,
        "candidates": ballot.candidates,
        "min_selections": ballot.min_selections,
        "max_selections": ballot.max_selections,
    }
    parameters = election.parameters or {}
    if "contests" in parameters:
        body |= {"contests": parameters["contests"], "weighted": parameters["weighted"]}
    return Response(PublicKeysOutput(body).data)


@extend_schema(parameters=[ElectionQuery], responses=HasVotedOutput, tags=["votes"])
@api_view(["GET"])
@election_from(ElectionQuery)
def check(request: Request, election: Election, data: dict[str, Any]) -> Response:
    voted = RollEntry.objects.filter(
        election=election, user=signed_in(request.user), voted_at__isnull=False
    ).exists()
    return Response({"election_id": election.pk, "has_voted": voted})


@extend_schema(responses=HistoryEntry(many=True), tags=["votes"])
@api_view(["GET"])
def history(request: Request) -> Response:
    """Your own receipts, newest first. A vote is linked to its voter only by the pseudonym."""
    voted = RollEntry.objects.filter(user=signed_in(request.user), voted_at__isnull=False)
    wanted = Q()
    for entry in voted.select_related("election"):
        pseudonym = voter_pseudonym(entry.election, signed_in(request.user))
        wanted |= Q(election_id=entry.election_id, voter_pseudonym=pseudonym)
    if not wanted:
        return Response([])
    votes = Vote.objects.filter(wanted).select_related("election").order_by("-cast_at", "-id")
    return Response([_history_entry(vote) for vote in votes])


@extend_schema(
    request=SUBMIT_SCHEMA, responses={201: ReceiptOutput}, tags=["votes"], summary="Cast a ballot"
)
@api_view(["POST"])
@election_from(SubmitInput, source="body")
def submit(request: Request, election: Election, data: dict[str, Any]) -> Response:
    """Either a client-made ballot (`encrypted_vote`) or a choice the server encrypts at once
    and never stores (`candidate_id`, or `candidate_ids` where more than one may be chosen;
    `values`, contest id -> one value per option, in an election of contests)."""
    if "encrypted_vote" in data:
        vote = cast_ballot(
            election, signed_in(request.user), _decoded_ballot(data["encrypted_vote"])
        )
    elif "values" in data:
        vote = cast_values(election, signed_in(request.user), data["values"])
    else:
        chosen = data.get("candidate_ids") or [data["candidate_id"]]
        vote = cast_choice(election, signed_in(request.user), chosen)
    return Response(_receipt(vote), status=status.HTTP_201_CREATED)


@extend_schema(
    request=SpoilInput,
    responses={201: SpoilOutput},
    tags=["votes"],
    summary="Challenge (spoil) a ballot instead of casting it",
)
@api_view(["POST"])
@election_from(SpoilInput, source="body")
def spoil(request: Request, election: Election, data: dict[str, Any]) -> Response:
    """The Benaloh challenge: the server checks that `randomness` re-creates every ciphertext
    of `encrypted_vote` for exactly `choice` (400 naming the selection if not) and publishes
    the ballot as spoiled. It is never counted and never this voter's vote; the voter may spoil
    as often as they like while they may still cast (409 once they have cast)."""
    spoiled = spoil_ballot(
        election,
        signed_in(request.user),
        _decoded_ballot(data["encrypted_vote"]),
        data["randomness"],
        data["choice"],
    )
    body = {
        "election_id": election.pk,
        "tracker": spoiled.tracker,
        "choice": spoiled.choice,
        "candidates": spoiled_choice(spoiled),
        "check_url": f"{reverse('pages:check')}?{urlencode({'tracker': spoiled.tracker})}",
    }
    return Response(SpoilOutput(body).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[TransactionQuery], responses=TransactionStatusOutput, tags=["votes"])
@api_view(["GET"])
@election_from(TransactionQuery)
def transaction_status(request: Request, election: Election, data: dict[str, Any]) -> Response:
    vote = Vote.objects.filter(election=election, transaction_id=data["transaction_id"]).first()
    if vote is None:
        raise NotFound("this election has no such transaction")
    body = {
        "transaction_id": vote.transaction_id,
        "election_id": election.pk,
        "status": vote.public_status,
        "block_height": vote.block_height,
        "block_hash": vote.block_hash or None,
    }
    return Response(body)


@extend_schema(parameters=[ElectionQuery], responses=ResultsOutput, tags=["votes"])
@api_view(["GET"])
@election_from(ElectionQuery)
def results(request: Request, election: Election, data: dict[str, Any]) -> Response:
    """Turnout in every state; counts, their proof and its verification once tallied."""
    body: dict[str, Any] = {
        "election_id": election.pk,
        "state": election.state,
        "turnout": election.roll.aggregate(voted=Count("voted_at"), eligible=Count("id")),
        "results": None,
        "proof": None,
        "verification": None,
    }
    if election.state == Election.State.TALLIED:
        body.update(published_results(election))
    return Response(body)


@extend_schema(request=VerifyInput, responses=ChainVerificationOutput, tags=["votes"])
@api_view(["POST"])
@election_from(VerifyInput, source="body")
def verify_blockchain(request: Request, election: Election, data: dict[str, Any]) -> Response:
    """Every validator's copy of the election checked, and the local fallback chain's links."""
    from apps.fallback.integrity import check_fallback_chain
    from apps.network.verification import recent_verification

    verdict = recent_verification(election.chain_election_id)
    body = {
        "election_id": election.pk,
        "valid": verdict["valid"],
        "validators": verdict["validators"],
        "agree": verdict["agree"],
        "fallback_chain_valid": check_fallback_chain().valid,
    }
    return Response(body)


def _decoded_ballot(encrypted_vote: str) -> bytes:
    try:
        return base64.b64decode(encrypted_vote, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidBallot("ballot rejected: encrypted_vote is not valid base64") from exc


def _receipt(vote: Vote) -> dict[str, Any]:
    return {
        "election_id": vote.election_id,
        "transaction_id": vote.transaction_id,
        "tracker": vote.tracker,
        "status": vote.public_status,
    }


def _history_entry(vote: Vote) -> dict[str, Any]:
    return _receipt(vote) | {
        "election_title": vote.election.title,
        "block_height": vote.block_height,
        "cast_at": vote.cast_at,
    }
