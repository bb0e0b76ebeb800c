"""A voter's pages: their elections, the ballot, checking an encryption before casting (a
spoiled ballot), and their own receipt with its live status."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import signed_in
from apps.elections.errors import AlreadyVoted, DomainError
from apps.elections.models import Election, RollEntry
from apps.elections.services import ballot_questions, ballot_rules, is_accepting_votes
from apps.pages.access import election_page
from apps.pages.forms import BallotForm, ContestBallotForm, selection_rule
from apps.pages.status import status_label
from apps.votes.models import SpoiledBallot, Vote
from apps.votes.services import (
    ballot_parameters,
    cast_ballot,
    cast_choice,
    cast_values,
    spoil_ballot,
    spoiled_choice,
    spoiled_contests,
    voter_pseudonym,
)

log = logging.getLogger("apps.pages")


@login_required
@require_GET
def my_elections(request: HttpRequest) -> HttpResponse:
    """Open elections whose roll holds this voter, voted or not."""
    entries = (
        RollEntry.objects.filter(user=signed_in(request.user), election__state=Election.State.OPEN)
        .select_related("election")
        .order_by("-election__opened_at", "election__pk")
    )
    rows = [
        {
            "election": e.election,
            "voted": e.voted_at is not None,
            "open": is_accepting_votes(e.election),
        }
        for e in entries
    ]
    return render(request, "pages/my_elections.html", {"rows": rows})


def _own_vote(election: Election, user: Any) -> Vote | None:
    """The voter's vote, found through their pseudonym: never anyone else's."""
    return Vote.objects.filter(
        election=election, voter_pseudonym=voter_pseudonym(election, user)
    ).first()


def _ballot_form(election: Election, data: Any) -> BallotForm | ContestBallotForm:
    """The form of the election's published ballot: values per contest in an election of
    contests (record format 2), otherwise the candidates to choose from."""
    if election.public_key is not None and election.parameters is not None:
        contests = ballot_rules(election).parameters.contests
        if contests:
            options = [candidates for _, candidates in ballot_questions(election)]
            return ContestBallotForm(contests, options, data)
    return BallotForm(election, list(election.candidates.order_by("position")), data)


def _ballot_context(
    request: HttpRequest, election: Election, form: BallotForm | ContestBallotForm
) -> dict[str, Any]:
    on_roll = RollEntry.objects.filter(election=election, user=signed_in(request.user)).first()
    context: dict[str, Any] = {
        "election": election,
        "form": form,
        "candidates": list(election.candidates.order_by("position")),
        "multiple": election.max_selections > 1,
        "rule": selection_rule(election.min_selections, election.max_selections),
        "accepting": is_accepting_votes(election) and on_roll is not None,
        "on_roll": on_roll is not None,
        "js_messages": {
            "encrypting": _("Encrypting your ballot…"),
            "encrypt": _("Encrypt my ballot"),
            "encrypted": _("Your ballot is encrypted: cast it, or check it first."),
            # Shown by the page itself: with the wrong number of choices nothing is sent.
            "wrong_count": selection_rule(election.min_selections, election.max_selections),
            "failed": _(
                "Your browser could not encrypt the ballot, so nothing was sent. Reload the page and try again."
            ),
        },
    }
    if context["accepting"]:
        ballot = ballot_parameters(election, signed_in(request.user))
        context["crypto"] = {
            "group": ballot.public_key.group.name,
            "public_key": ballot.public_key.element.hex(),
            "election_hash": ballot.election_hash,
            "voter_pseudonym": ballot.voter_pseudonym,
            "candidate_count": len(ballot.candidates),
            "min_selections": ballot.min_selections,
            "max_selections": ballot.max_selections,
        }
        if isinstance(form, ContestBallotForm):
            contests = ballot_rules(election).parameters.contests
            context["contests"] = form.questions
            context["crypto"]["contests"] = [contest.to_dict() for contest in contests]
    return context


@require_http_methods(["GET", "POST"])
@election_page
def ballot(request: HttpRequest, election: Election) -> HttpResponse:
    """GET shows the ballot; POST casts it: the browser's encrypted ballot (cast_ballot), or,
    without JavaScript, the choice for the server to encrypt (cast_choice)."""
    if _own_vote(election, signed_in(request.user)) is not None:
        return redirect("pages:receipt", election_id=election.pk)
    form = _ballot_form(election, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vote = _cast(request, election, form)
        except AlreadyVoted:
            return redirect("pages:receipt", election_id=election.pk)
        except DomainError as exc:
            log.info("page cast refused election=%s code=%s", election.pk, exc.code)
            form.add_error(None, _cast_error_message(exc))
        else:
            messages.success(request, _("Your ballot was cast."))
            return redirect("pages:receipt", election_id=vote.election_id)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "pages/ballot.html", _ballot_context(request, election, form), status=status
    )


def _cast(request: HttpRequest, election: Election, form: BallotForm | ContestBallotForm) -> Vote:
    if form.cleaned_data.get("ballot"):
        vote = cast_ballot(election, signed_in(request.user), form.cleaned_data["ballot"].encode())
        path = "browser"
    elif isinstance(form, ContestBallotForm):
        vote = cast_values(election, signed_in(request.user), form.values())
        path = "server"
    else:
        vote = cast_choice(election, signed_in(request.user), form.candidate_ids())
        path = "server"
    log.info(
        "page vote cast election=%s tx=%s encrypted_by=%s", election.pk, vote.transaction_id, path
    )
    return vote


def _cast_error_message(exc: DomainError) -> str:
    messages_by_code = {
        "election_not_open": _("This election is not open for voting."),
        "not_on_roll": _("You are not on this election's voter roll."),
        "invalid_ballot": _(
            "The encrypted ballot did not verify, so it was not cast. Reload the page and try again."
        ),
        "invalid_input": _("That choice does not name candidates of this election."),
    }
    return messages_by_code.get(exc.code, _("The ballot could not be cast."))


@require_GET
@election_page
def receipt(request: HttpRequest, election: Election) -> HttpResponse:
    vote = _own_vote(election, signed_in(request.user))
    if vote is None:
        messages.info(request, _("You have no receipt for this election yet."))
        return redirect("pages:my-elections")
    context = {
        "election": election,
        "vote": vote,
        "status": vote.public_status,
        "status_label": status_label(vote.public_status),
        "status_url": reverse("pages:receipt-status", kwargs={"election_id": election.pk}),
        "js_messages": {"copied": _("Copied."), "in_block": _("in block %(height)s")},
    }
    return render(request, "pages/receipt.html", context)


@require_GET
@election_page
def receipt_status(request: HttpRequest, election: Election) -> JsonResponse:
    """What the receipt page polls: the status of the voter's own vote."""
    vote = _own_vote(election, signed_in(request.user))
    if vote is None:
        return JsonResponse({"detail": "no vote", "code": "not_found"}, status=404)
    body = {
        "transaction_id": vote.transaction_id,
        "status": vote.public_status,
        "label": status_label(vote.public_status),
        "block_height": vote.block_height,
    }
    return JsonResponse(body, headers={"Cache-Control": "no-store"})


@require_POST
@election_page
def spoil(request: HttpRequest, election: Election) -> HttpResponse:
    """The booth's "Check this encryption": the browser's ballot with its revealed randomness
    and choice, stored as spoiled (apps.votes.services.spoil_ballot, which checks them), then
    the spoiled page that shows what it encrypts. Never a vote."""
    try:
        randomness = json.loads(request.POST.get("randomness", ""))
        choice = json.loads(request.POST.get("choice", ""))
        if not (
            isinstance(randomness, list)
            and all(isinstance(r, str) for r in randomness)
            and isinstance(choice, list)
            and all(isinstance(c, int) for c in choice)
        ):
            raise ValueError("randomness and choice must be lists")
        spoiled = spoil_ballot(
            election,
            signed_in(request.user),
            request.POST.get("ballot", "").encode(),
            randomness,
            choice,
        )
    except AlreadyVoted:
        return redirect("pages:receipt", election_id=election.pk)
    except (ValueError, DomainError) as exc:
        log.info("page spoil refused election=%s problem=%s", election.pk, exc)
        messages.error(
            request,
            _("The encryption could not be checked, so nothing was stored: %(problem)s")
            % {"problem": exc},
        )
        return redirect("pages:ballot", election_id=election.pk)
    return redirect("pages:spoiled", election_id=election.pk, tracker=spoiled.tracker)


@require_GET
@election_page
def spoiled(request: HttpRequest, election: Election, tracker: str) -> HttpResponse:
    """The voter's own spoiled ballot: the candidates decoded from its revealed randomness,
    its tracker and board link, and the way back to encrypt afresh."""
    spoiled = SpoiledBallot.objects.filter(
        election=election,
        tracker=tracker,
        voter_pseudonym=voter_pseudonym(election, signed_in(request.user)),
    ).first()
    if spoiled is None:
        raise Http404("no such spoiled ballot")
    context = {
        "election": election,
        "spoiled": spoiled,
        "decoded": spoiled_choice(spoiled),
        "contests": spoiled_contests(spoiled),
        "board_url": f"{reverse('pages:board', args=[election.pk])}?tracker={spoiled.tracker}",
        "check_url": f"{reverse('pages:check')}?tracker={spoiled.tracker}",
        "can_vote": _own_vote(election, signed_in(request.user)) is None,
    }
    return render(request, "pages/spoiled.html", context)
