"""A trustee's page: each election they hold a share of the key for, where its ceremony or
tally stands, and the exact command lines to run on their own machine."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.models import signed_in
from apps.elections.models import Election
from apps.trustees.ceremony import ceremony_status
from apps.trustees.models import DecryptionShare, Trustee


@login_required
@require_GET
def trustee_elections(request: HttpRequest) -> HttpResponse:
    user = signed_in(request.user)
    server = request.build_absolute_uri("/").rstrip("/")
    rows = [
        _row(trustee, server)
        for trustee in Trustee.objects.filter(user=user)
        .select_related("election", "user")
        .order_by("-election__created_at")
    ]
    return render(request, "pages/trustee.html", {"rows": rows})


def _row(trustee: Trustee, server: str) -> dict[str, Any]:
    election = trustee.election
    status = ceremony_status(election)
    secret_file = f"election-{election.pk}-trustee-{trustee.index}.secret"
    common = (
        f"--server {server} --election {election.pk} --email {trustee.user.email} "
        f"--secret-file {secret_file}"
    )
    decrypted = DecryptionShare.objects.filter(election=election, trustee=trustee).exists()
    return {
        "trustee": trustee,
        "election": election,
        "status": status,
        "mine": next(p for p in status.trustees if p.index == trustee.index),
        "ceremony_due": election.state == Election.State.DRAFT and bool(election.ceremony_id),
        "decrypt_due": election.state == Election.State.TALLYING and not decrypted,
        "decrypted": decrypted,
        "ceremony_command": f"python -m trustee ceremony {common} --wait",
        "decrypt_command": f"python -m trustee decrypt {common} --genesis genesis.json",
        "status_command": (
            f"python -m trustee status --server {server} --election {election.pk} "
            f"--email {trustee.user.email}"
        ),
    }
