"""The officials' admin: elections and their candidates, state changes, voter rolls.

Every state change calls its verb (apps.elections.services, apps.elections.tally) and shows a
refusal's DomainError.detail as a message. Officials see who is on a roll and whether they
voted, never what: the election's key material is never shown, and votes are not in the admin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from apps.elections.errors import DomainError
from apps.elections.forms import (
    CandidateInlineFormSet,
    ElectionCreationForm,
    RollReport,
    VoterRollUploadForm,
)
from apps.elections.models import Candidate, Election, RollEntry
from apps.elections.services import add_voters, close_election, create_election, open_election
from apps.elections.tally import tally_election
from apps.lib.admin import ReadOnlyModelAdmin

Verb = Callable[[Election], Election]

# The state changes an official can make: button/action name -> (verb, past tense, from state).
TRANSITIONS: dict[str, tuple[Verb, str, str]] = {
    "open": (open_election, "opened", Election.State.DRAFT),
    "close": (close_election, "closed", Election.State.OPEN),
    "tally": (tally_election, "tallied", Election.State.CLOSED),
}

STATE_COLOURS: dict[str, str] = {
    Election.State.DRAFT: "#777",
    Election.State.OPEN: "#2a7d2a",
    Election.State.CLOSED: "#b36b00",
    Election.State.TALLIED: "#205493",
}

DRAFT_FIELDS = ("title", "description", "opens_at", "closes_at", "min_selections", "max_selections")
RECORD_FIELDS = ("state_badge", "turnout", "chain_election_id", "election_hash", "created_at")
TIMELINE_FIELDS = ("opened_at", "closed_at", "tallied_at")


class CandidateInline(admin.TabularInline):
    """Candidates change only while the election is a draft: opening fixes the ballot."""

    model = Candidate
    formset = CandidateInlineFormSet
    fields = ("position", "name")
    extra = 0

    def _draft(self, obj: Election | None) -> bool:
        return obj is not None and obj.state == Election.State.DRAFT

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj) and super().has_delete_permission(request, obj)


@admin.register(Election)
class ElectionAdmin(admin.ModelAdmin):
    list_display = ("title", "state_badge", "turnout", "opens_at", "closes_at", "created_at")
    list_filter = ("state",)
    search_fields = ("title",)
    inlines = (CandidateInline,)
    actions = ("open_elections", "close_elections", "tally_elections")
    add_form_template = "admin/elections/election/add_form.html"
    # Key material (public key, sealed private key), the raw parameters and raw results JSON
    # are never fields here; results are shown through results_table only.
    exclude = ("public_key", "sealed_private_key", "parameters", "results")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Election]:
        elections: QuerySet[Election] = super().get_queryset(request)
        return elections.annotate(
            roll_count=Count("roll"),
            voted_count=Count("roll", filter=Q(roll__voted_at__isnull=False)),
        )

    def get_fieldsets(self, request: HttpRequest, obj: Election | None = None) -> Any:
        if obj is not None and obj.state == Election.State.DRAFT:
            return ((None, {"fields": DRAFT_FIELDS}), ("Record", {"fields": RECORD_FIELDS}))
        fieldsets: list[Any] = [
            (None, {"fields": DRAFT_FIELDS}),
            ("Record", {"fields": RECORD_FIELDS + TIMELINE_FIELDS}),
        ]
        if obj is not None and obj.state == Election.State.TALLIED:
            fieldsets.append(("Results", {"fields": ("results_table",)}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Election | None = None) -> Any:
        if obj is not None and obj.state == Election.State.DRAFT:
            return RECORD_FIELDS
        return DRAFT_FIELDS + RECORD_FIELDS + TIMELINE_FIELDS + ("results_table",)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Only a draft may be deleted (has_delete_permission); a bulk delete would not ask.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Election | None = None) -> bool:
        draft = obj is None or obj.state == Election.State.DRAFT
        return draft and super().has_delete_permission(request, obj)

    # ------------------------------------------------------------------ columns and fields

    @admin.display(description="state", ordering="state")
    def state_badge(self, election: Election) -> str:
        colour = STATE_COLOURS.get(election.state, "#777")
        return format_html('<strong style="color: {}">{}</strong>', colour, election.state)

    @admin.display(description="turnout")
    def turnout(self, election: Election) -> str:
        on_roll, voted = roll_counts(election)
        if election.state == Election.State.DRAFT:
            return f"{on_roll} on the roll"
        share = f" ({100 * voted / on_roll:.0f}%)" if on_roll else ""
        return f"{voted} of {on_roll} voted{share}"

    @admin.display(description="results")
    def results_table(self, election: Election) -> str:
        results = election.results or {}
        counts = results.get("counts", [])
        names = election.candidates.order_by("position").values_list("name", flat=True)
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td></tr>", zip(names, counts, strict=False)
        )
        note = format_html(
            "{} ballots; chain height {} read from {} (chain valid: {})",
            results.get("ballots"),
            results.get("chain_height"),
            results.get("chain_node"),
            results.get("chain_valid"),
        )
        if results.get("includes_unreplayed_fallback"):
            note = format_html(
                "{}; includes {} fallback ballots not yet on the chain",
                note,
                results.get("fallback_ballots"),
            )
        return format_html(
            "<table><tr><th>candidate</th><th>votes</th></tr>{}</table><p>{}</p>", rows, note
        )

    # ------------------------------------------------------------------ state changes

    @admin.action(description="Open the selected draft elections", permissions=["change"])
    def open_elections(self, request: HttpRequest, queryset: QuerySet[Election]) -> None:
        self.apply_transition(request, queryset, "open")

    @admin.action(description="Close the selected open elections", permissions=["change"])
    def close_elections(self, request: HttpRequest, queryset: QuerySet[Election]) -> None:
        self.apply_transition(request, queryset, "close")

    @admin.action(description="Tally the selected closed elections", permissions=["change"])
    def tally_elections(self, request: HttpRequest, queryset: QuerySet[Election]) -> None:
        self.apply_transition(request, queryset, "tally")

    def apply_transition(
        self, request: HttpRequest, elections: Iterable[Election], name: str
    ) -> None:
        """Call the verb on each election; report each success and each refusal."""
        verb, done, _ = TRANSITIONS[name]
        for election in elections:
            if not self.has_change_permission(request, election):
                self.message_user(request, f"{election}: not allowed", messages.ERROR)
                continue
            try:
                verb(election)
            except DomainError as exc:
                self.message_user(request, f"{election}: {exc.detail}", messages.ERROR)
            else:
                self.message_user(request, f"{election}: {done}", messages.SUCCESS)

    # ------------------------------------------------------------------ custom views

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:election_id>/import-voters/",
                self.admin_site.admin_view(self.import_voters_view),
                name="elections_election_import_voters",
            ),
            path(
                "<int:election_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="elections_election_transition",
            ),
        ]
        return own + super().get_urls()

    def changeable_election(self, request: HttpRequest, election_id: int) -> Election:
        election = get_object_or_404(self.get_queryset(request), pk=election_id)
        if not self.has_change_permission(request, election):
            raise PermissionDenied
        return election

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Creating an election is create_election's job: a form for its arguments."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ElectionCreationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                election = create_election(**form.verb_arguments())
            except DomainError as exc:
                form.add_error(None, exc.detail)
            else:
                self.log_addition(request, election, [{"added": {}}])
                self.message_user(request, f"{election}: created as a draft", messages.SUCCESS)
                return redirect("admin:elections_election_change", election.pk)
        context = {**self.page_context(request, "Add election"), "form": form}
        return TemplateResponse(request, self.add_form_template, context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        election = self.get_object(request, object_id)
        context = {**(extra_context or {})}
        if election is not None:
            context["transitions"] = [
                (name, done)
                for name, (_, done, state) in TRANSITIONS.items()
                if election.state == state
            ]
            context["roll_url"] = roll_url(election)
            # Past the draft nothing on this page is editable: the state buttons change it.
            if election.state != Election.State.DRAFT:
                context.update(show_save=False, show_save_and_continue=False)
                context.update(show_save_and_add_another=False)
        return super().change_view(request, object_id, form_url, context)

    @method_decorator(require_POST)
    def transition_view(self, request: HttpRequest, election_id: int) -> HttpResponse:
        """The state buttons of an election's page: POST transition=open|close|tally."""
        election = self.changeable_election(request, election_id)
        name = request.POST.get("transition", "")
        if name in TRANSITIONS:
            self.apply_transition(request, [election], name)
        else:
            self.message_user(request, f"unknown state change {name!r}", messages.ERROR)
        return redirect("admin:elections_election_change", election.pk)

    def import_voters_view(self, request: HttpRequest, election_id: int) -> HttpResponse:
        """Check a voter roll CSV and import it whole, or show why not and import nothing."""
        election = self.changeable_election(request, election_id)
        form = VoterRollUploadForm(request.POST or None, request.FILES or None)
        report: RollReport | None = None
        if request.method == "POST" and form.is_valid():
            report = form.roll_report()
            if report.importable:
                with transaction.atomic():
                    result = add_voters(election, report.voters)
                self.message_user(
                    request,
                    f"{election}: {result.added} voters added, {result.already_on_roll} "
                    f"already on the roll, {result.users_created} accounts created",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(roll_url(election))
        context = {
            **self.page_context(request, f"Import voters: {election}"),
            "election": election,
            "form": form,
            "report": report,
            "roll_url": roll_url(election),
        }
        return TemplateResponse(request, "admin/elections/election/import_voters.html", context)

    def page_context(self, request: HttpRequest, title: str) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "app_label": self.opts.app_label,
        }


def roll_counts(election: Election) -> tuple[int, int]:
    """(on the roll, voted), from the changelist's annotation when it is there."""
    annotated = getattr(election, "roll_count", None)  # ElectionAdmin.get_queryset adds it
    if annotated is not None:
        return annotated, getattr(election, "voted_count", 0)
    roll = election.roll.all()
    return roll.count(), roll.filter(voted_at__isnull=False).count()


def roll_url(election: Election) -> str:
    return reverse("admin:elections_rollentry_changelist") + f"?election__id__exact={election.pk}"


class VotedFilter(admin.SimpleListFilter):
    title = "voted"
    parameter_name = "voted"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[RollEntry]) -> Any:
        if self.value() in ("yes", "no"):
            return queryset.filter(voted_at__isnull=self.value() == "no")
        return queryset


@admin.register(RollEntry)
class RollEntryAdmin(ReadOnlyModelAdmin):
    """Who is on each roll and whether they voted: read-only, and never what they chose."""

    list_display = ("voter_email", "voter_name", "election", "voted")
    list_filter = ("election", VotedFilter)
    list_select_related = ("user", "election")
    search_fields = ("user__email", "user__name")
    fields = ("election", "voter_email", "voter_name", "added_at", "voted")
    readonly_fields = fields

    @admin.display(description="e-mail", ordering="user__email")
    def voter_email(self, entry: RollEntry) -> str:
        return entry.user.email

    @admin.display(description="name", ordering="user__name")
    def voter_name(self, entry: RollEntry) -> str:
        return entry.user.name

    @admin.display(description="voted", boolean=True)
    def voted(self, entry: RollEntry) -> bool:
        return entry.voted_at is not None
