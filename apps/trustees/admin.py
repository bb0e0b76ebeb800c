"""The officials' side of the key ceremony, on an election's admin page: name the trustees,
see where the ceremony stands (each trustee's next step, fingerprints, complaints), start or
restart it, replace a trustee; and, during the tally, whose partial decryptions arrived.

`CeremonyAdminMixin` is mixed into the election admin (apps.elections.admin); every change
calls its verb (apps.trustees.services) and shows a refusal as a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from apps.elections.errors import DomainError
from apps.elections.models import Election
from apps.trustees.ceremony import ceremony_status
from apps.trustees.forms import ReplaceTrusteeForm, TrusteesForm
from apps.trustees.models import DecryptionShare
from apps.trustees.services import (
    name_trustees,
    replace_trustee,
    restart_ceremony,
    start_ceremony,
)

CEREMONY_VERBS: dict[str, tuple[Callable[[Election], Election], str]] = {
    "start": (start_ceremony, "key ceremony started"),
    "restart": (restart_ceremony, "key ceremony restarted; start it again when ready"),
}


class CeremonyAdminMixin:
    """Views and page context for an election's trustees (needs ElectionAdmin's helpers)."""

    changeable_election: Callable[[HttpRequest, int], Election]
    page_context: Callable[[HttpRequest, str], dict[str, Any]]
    message_user: Callable[..., None]
    admin_site: Any

    def ceremony_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:election_id>/trustees/",
                self.admin_site.admin_view(self.trustees_view),
                name="elections_election_trustees",
            ),
            path(
                "<int:election_id>/ceremony/",
                self.admin_site.admin_view(self.ceremony_view),
                name="elections_election_ceremony",
            ),
        ]

    def ceremony_context(self, election: Election) -> dict[str, Any]:
        """What the election's page shows of its trustees."""
        shares = DecryptionShare.objects.filter(election=election).select_related("trustee__user")
        return {
            "ceremony": ceremony_status(election),
            "decrypted_by": [share.trustee for share in shares],
            "replace_form": ReplaceTrusteeForm(),
        }

    def trustees_view(self, request: HttpRequest, election_id: int) -> HttpResponse:
        """Name the trustees and the threshold; this starts a fresh key ceremony."""
        election = self.changeable_election(request, election_id)
        form = TrusteesForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                name_trustees(election, form.email_list(), form.cleaned_data["threshold"])
            except DomainError as exc:
                form.add_error(None, exc.detail)
            else:
                self.message_user(
                    request, f"{election}: trustees named, key ceremony started", messages.SUCCESS
                )
                return redirect("admin:elections_election_change", election.pk)
        context = {
            **self.page_context(request, f"Trustees: {election}"),
            "election": election,
            "form": form,
        }
        return TemplateResponse(request, "admin/elections/election/trustees.html", context)

    @method_decorator(require_POST)
    def ceremony_view(self, request: HttpRequest, election_id: int) -> HttpResponse:
        """The ceremony buttons: POST ceremony=start|restart, or replace with index and email."""
        election = self.changeable_election(request, election_id)
        action = request.POST.get("ceremony", "")
        try:
            if action == "replace":
                self._replace(request, election)
            elif action in CEREMONY_VERBS:
                verb, done = CEREMONY_VERBS[action]
                verb(election)
                self.message_user(request, f"{election}: {done}", messages.SUCCESS)
            else:
                self.message_user(request, f"unknown ceremony action {action!r}", messages.ERROR)
        except DomainError as exc:
            self.message_user(request, f"{election}: {exc.detail}", messages.ERROR)
        return redirect("admin:elections_election_change", election.pk)

    def _replace(self, request: HttpRequest, election: Election) -> None:
        form = ReplaceTrusteeForm(request.POST)
        if not form.is_valid():
            problems = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items())
            self.message_user(request, f"{election}: {problems}", messages.ERROR)
            return
        index, email = form.cleaned_data["index"], form.cleaned_data["email"]
        replace_trustee(election, index, email)
        self.message_user(request, f"{election}: trustee {index} is now {email}", messages.SUCCESS)
