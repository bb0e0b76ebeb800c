"""An election's public pages for those who may see it: results (with the election record to
download), the ballot board, and the chain verification summary; and the check page for a
spoiled ballot, which needs no log-in."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from apps.elections.models import Election
from apps.elections.record import election_record as record_of

# The API computes published results and their verification; the pages show the same.
from apps.elections.results import published_results
from apps.network.genesis import network_genesis
from apps.pages.access import election_page
from apps.pages.chart import bar_chart
from apps.votes.models import SpoiledBallot, Vote
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
        # An election of contests: one chart per contest, of its options' (weighted) totals.
        context["contests"] = [
            {**contest, "chart": bar_chart([(o["name"], o["total"]) for o in contest["options"]])}
            for contest in published.get("contests", [])
        ]
    return render(request, "pages/results.html", context)


@require_GET
@election_page
def election_record(request: HttpRequest, election: Election) -> HttpResponse:
    """The election record (docs/election-record.md) as one JSON object, file name -> value,
    for the verifier; only once the election is tallied. A tallied election's record never
    changes, so it is built once and kept in the cache."""
    if election.state != Election.State.TALLIED:
        return JsonResponse({"detail": "not tallied yet", "code": "wrong_state"}, status=409)
    assert election.tallied_at is not None
    key = f"pages:record:{election.pk}:{election.tallied_at.isoformat()}"
    body: bytes | None = cache.get(key)
    if body is None:
        body = json.dumps(
            record_of(election), ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder
        ).encode()
        cache.set(key, body, RECORD_CACHE_SECONDS)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="election-{election.pk}-record.json"'
    return response


RECORD_CACHE_SECONDS = 24 * 3600


def _spoiled(election: Election) -> Any:
    return SpoiledBallot.objects.filter(election=election).order_by("id")


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
    spoiled = _spoiled(election).none() if invalid_query else _spoiled(election)
    if query:
        spoiled = spoiled.filter(tracker__startswith=query)
    context = {
        "election": election,
        "page": page,
        "query": query,
        "invalid_query": invalid_query,
        # Checked (spoiled) ballots are marked apart: never counted, opened for anyone to check.
        "spoiled": list(spoiled.values_list("tracker", flat=True)[:BOARD_PAGE_SIZE]),
        "check_url": reverse("pages:check"),
    }
    return render(request, "pages/board.html", context)


TRACKER = re.compile(r"^[0-9a-f]{64}$")


@require_GET
def check(request: HttpRequest) -> HttpResponse:
    """Check a spoiled ballot from any device, without logging in: given its tracker, the
    candidates its published randomness decodes to (read from the spoiled ballots that the
    election record publishes). A tracker is 256 unguessable bits, so the page shows an
    election's title and candidate names only to whoever holds a tracker of it."""
    from apps.votes.services import spoiled_choice, spoiled_contests

    tracker = request.GET.get("tracker", "").strip().lower()[:64]
    context: dict[str, Any] = {"tracker": tracker}
    status = 200
    if tracker:
        if not TRACKER.match(tracker):
            context["problem"] = "invalid"
            status = 400
        else:
            spoiled = SpoiledBallot.objects.filter(tracker=tracker).select_related("election")
            found = spoiled.first()
            if found is not None:
                context.update(
                    spoiled=found,
                    election=found.election,
                    decoded=spoiled_choice(found),
                    contests=spoiled_contests(found),
                )
            elif Vote.objects.filter(tracker=tracker).exists():
                context["problem"] = "cast"
            else:
                context["problem"] = "unknown"
                status = 404
    return render(request, "pages/check.html", context, status=status)


@require_GET
@election_page
def verify(request: HttpRequest, election: Election) -> HttpResponse:
    """Every validator's copy of the election checked, and the fallback chain's links; and how
    to check it all without trusting this server (genesis, record, the two commands)."""
    from apps.fallback.integrity import check_fallback_chain
    from apps.network.verification import recent_verification

    verdict = recent_verification(election.chain_election_id)
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
