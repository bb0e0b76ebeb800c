"""An election's public pages for those who may see it: results (with the election record to
download), the ballot board, and the chain verification summary."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from apps.chain.reading import network_genesis
from apps.elections.models import Election

# The API computes published results and their verification; the pages show the same.
from apps.elections.results import published_results, tally_of
from apps.pages.access import election_page
from apps.pages.chart import bar_chart
from apps.votes.models import Vote
from evcrypto import ElectionKey
from validators.core.blocks import genesis_hash

log = logging.getLogger("apps.pages")

BOARD_PAGE_SIZE = 50
TRACKER_PREFIX = re.compile(r"^[0-9a-f]{1,64}$")


@require_GET
@election_page
def results(request: HttpRequest, election: Election) -> HttpResponse:
    turnout = election.roll.aggregate(voted=Count("voted_at"), eligible=Count("id"))
    context: dict[str, Any] = {"election": election, "turnout": turnout}
    if election.state == Election.State.TALLIED:
        published = published_results(election)
        context.update(published)
        context["chart"] = bar_chart([(row["name"], row["votes"]) for row in published["results"]])
    return render(request, "pages/results.html", context)


@require_GET
@election_page
def election_record(request: HttpRequest, election: Election) -> HttpResponse:
    """The election record (docs/election-record.md) as one JSON object, file name -> value,
    for the verifier; only once the election is tallied."""
    if election.state != Election.State.TALLIED:
        return JsonResponse({"detail": "not tallied yet", "code": "wrong_state"}, status=409)
    published = tally_of(election)
    ballots = Vote.objects.filter(
        election=election, status__in=[Vote.Status.CONFIRMED, Vote.Status.FALLBACK]
    ).order_by("block_height", "id")
    candidates = list(election.candidates.order_by("position").values_list("name", flat=True))
    record = {
        "parameters.json": election.parameters,
        "trustees.json": election.public_key,
        "public_key.json": ElectionKey.from_dict(election.public_key).public_key.to_dict(),
        "ballots.json": {
            "ballots": [{"tracker": v.tracker, "ballot": _json(v.ballot)} for v in ballots]
        },
        "aggregate.json": published["aggregate"],
        "decryption.json": {"partial_decryptions": published["decryption"]["partial_decryptions"]},
        "results.json": {
            "results": [
                {"candidate": name, "votes": count}
                for name, count in zip(candidates, published["counts"], strict=True)
            ]
        },
    }
    response = JsonResponse(record, json_dumps_params={"ensure_ascii": False, "sort_keys": True})
    response["Content-Disposition"] = f'attachment; filename="election-{election.pk}-record.json"'
    return response


def _json(text: str) -> Any:
    return json.loads(text)


@require_GET
@election_page
def board(request: HttpRequest, election: Election) -> HttpResponse:
    """Every tracker on chain with its block height; a tracker prefix narrows the list."""
    query = request.GET.get("tracker", "").strip().lower()[:64]
    on_chain = Vote.objects.filter(election=election, status=Vote.Status.CONFIRMED)
    invalid_query = bool(query) and not TRACKER_PREFIX.match(query)
    if query and not invalid_query:
        on_chain = on_chain.filter(tracker__startswith=query)
    elif invalid_query:
        on_chain = on_chain.none()
    rows = on_chain.order_by("block_height", "id").values("tracker", "block_height")
    page = Paginator(rows, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"election": election, "page": page, "query": query, "invalid_query": invalid_query}
    return render(request, "pages/board.html", context)


@require_GET
@election_page
def verify(request: HttpRequest, election: Election) -> HttpResponse:
    """Every validator's copy of the election checked, and the fallback chain's links; and how
    to check it all without trusting this server (genesis, record, the two commands)."""
    from apps.chain.verification import verify_election_on_chain
    from apps.ledger.fallback import check_fallback_chain

    verdict = verify_election_on_chain(election.chain_election_id)
    fallback = check_fallback_chain()
    log.info(
        "page chain verified election=%s valid=%s agree=%s",
        election.pk,
        verdict["valid"],
        verdict["agree"],
    )
    context = {"election": election, "verdict": verdict, "fallback_valid": fallback.valid}
    try:
        genesis = network_genesis()
    except (OSError, ValueError) as exc:  # no network set up: the page says what it can
        log.warning("genesis unavailable for the verify page: %s", exc)
    else:
        context["genesis_hash"] = genesis_hash(genesis.to_dict())
        context["validator_urls"] = [v.url for v in genesis.validators]
        if election.state == Election.State.TALLIED:
            context["record_url"] = reverse("pages:record", args=[election.pk])
    return render(request, "pages/verify.html", context)


@require_GET
def genesis_file(request: HttpRequest) -> HttpResponse:
    """The network's genesis as the validators hold it: chain id, validator URLs and public
    keys, submitter public keys. Public: an outside audit starts from it."""
    try:
        body = (settings.NETWORK_DIR / "genesis.json").read_bytes()
    except OSError:
        return JsonResponse(
            {"detail": "this server has no validator network", "code": "no_network"}, status=404
        )
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="genesis.json"'
    return response
