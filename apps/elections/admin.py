"""The officials' admin: elections and their candidates, trustees, state changes, voter rolls.

Every state change calls its verb (apps.elections.services, apps.elections.tally,
apps.trustees.services) and shows a refusal's DomainError.detail as a message. Officials see
who is on a roll and whether they voted, never what: votes are not in the admin, and no
election secret exists on the server to show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from apps.accounts.invitations import queue_invitations
from apps.accounts.models import signed_in
from apps.elections.copying import copy_election
from apps.elections.errors import DomainError
from apps.elections.forms import (
    CandidateInlineFormSet,
    ElectionCreationForm,
    ReminderForm,
    RollReport,
    VoterRollUploadForm,
)
from apps.elections.jobs import job_document, start_job
from apps.elections.models import Candidate, Contest, Election, Job, RollEntry
from apps.elections.reminders import pending_recipients, schedule_reminder
from apps.elections.services import (
    add_voters,
    create_election,
    open_election,
    set_voter_weight,
    start_closing,
)
from apps.elections.tally import check_tally_can_start
from apps.lib.admin import ReadOnlyModelAdmin
from apps.trustees.admin import CeremonyAdminMixin

Verb = Callable[[Election], object]


def _tallying(election: Election) -> Job:
    """The tally (or the publishing) runs on the worker; the quick refusals answer here."""
    check_tally_can_start(election)
    return start_job(Job.Kind.TALLY, election)


# The state changes an official can make:
# button/action name -> (verb, what is reported, from state, button label).
# Closing, tallying and publishing start a job (apps.elections.jobs): the election's page
# shows its steps and progress.
TRANSITIONS: dict[str, tuple[Verb, str, str, str]] = {
    "open": (open_election, "opened", Election.State.DRAFT, "Open the election"),
    "close": (
        start_closing,
        "closing: see the progress below",
        Election.State.OPEN,
        "Close the election",
    ),
    "tally": (
        _tallying,
        "tally started: see the progress below; then the trustees' partial decryptions",
        Election.State.CLOSED,
        "Start the tally",
    ),
    "publish": (
        _tallying,
        "publishing: see the progress below",
        Election.State.TALLYING,
        "Publish the results",
    ),
}

# A CSV of more rows than this is imported by the worker, with progress on the election's page.
IMPORT_IN_BACKGROUND_ROWS = 200

STATE_COLOURS: dict[str, str] = {
    Election.State.DRAFT: "#777",
    Election.State.OPEN: "#2a7d2a",
    Election.State.CLOSED: "#b36b00",
    Election.State.TALLYING: "#6b3fa0",
    Election.State.TALLIED: "#205493",
}

DRAFT_FIELDS = ("title", "description", "opens_at", "closes_at", "min_selections", "max_selections")
SCHEDULE_FIELDS = ("opens_at", "closes_at")
RECORD_FIELDS = (
    "state_badge",
    "turnout",
    "schedule",
    "chain_election_id",
    "election_hash",
    "created_at",
)
TIMELINE_FIELDS = ("opened_at", "closed_at", "tallied_at")


class BallotInline(admin.TabularInline):
    """A part of the ballot: it changes only while the election is a draft whose key
    ceremony has not started (the ceremony fixes the ballot)."""

    extra = 0

    def _draft(self, obj: Election | None) -> bool:
        return ballot_editable(obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj) and super().has_delete_permission(request, obj)


class ContestInline(BallotInline):
    """The election's contests (record format 2), each with its counting rule; none for a
    single question (its candidates and the election's selection limits)."""

    model = Contest
    fields = Contest.FIELDS


class CandidateInline(BallotInline):
    model = Candidate
    formset = CandidateInlineFormSet
    fields = ("position", "name", "contest")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "contest":  # only this election's contests
            match = request.resolver_match
            election_id = (match.kwargs.get("object_id") if match else None) or 0
            kwargs["queryset"] = Contest.objects.filter(election_id=election_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def ballot_editable(election: Election | None) -> bool:
    return (
        election is not None and election.state == Election.State.DRAFT and not election.ceremony_id
    )


@admin.register(Election)
class ElectionAdmin(CeremonyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "state_badge", "turnout", "opens_at", "closes_at", "created_at")
    list_filter = ("state",)
    search_fields = ("title",)
    inlines = (ContestInline, CandidateInline)
    actions = ("open_elections", "close_elections", "tally_elections", "copy_elections")
    add_form_template = "admin/elections/election/add_form.html"
    # The public key, the raw parameters, aggregate and results JSON are not fields here;
    # results are shown through results_table only. No secret of an election is stored.
    exclude = (
        "public_key",
        "parameters",
        "results",
        "aggregate",
        "tally_report",
        "ceremony_id",
        "threshold",
        "schedule_problem",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Election]:
        elections: QuerySet[Election] = super().get_queryset(request)
        return elections.annotate(
            roll_count=Count("roll"),
            voted_count=Count("roll", filter=Q(roll__voted_at__isnull=False)),
        )

    def get_fieldsets(self, request: HttpRequest, obj: Election | None = None) -> Any:
        if ballot_editable(obj):
            return ((None, {"fields": DRAFT_FIELDS}), ("Record", {"fields": RECORD_FIELDS}))
        fieldsets: list[Any] = [
            (None, {"fields": DRAFT_FIELDS}),
            ("Record", {"fields": RECORD_FIELDS + TIMELINE_FIELDS}),
        ]
        if obj is not None and obj.state == Election.State.TALLIED:
            fieldsets.append(("Results", {"fields": ("results_table",)}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Election | None = None) -> Any:
        if ballot_editable(obj):
            return RECORD_FIELDS
        fixed = DRAFT_FIELDS + RECORD_FIELDS + TIMELINE_FIELDS + ("results_table",)
        if obj is not None and obj.state == Election.State.DRAFT:
            # The times are not part of the ballot the ceremony fixes: a draft's stay editable.
            return tuple(name for name in fixed if name not in SCHEDULE_FIELDS)
        return fixed

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

    @admin.display(description="schedule (UTC, and your local time)")
    def schedule(self, election: Election) -> str:
        """When it opens and closes by itself, and why a draft did not open at its time."""
        times = format_html(
            "opens {}; closes {}", utc_time(election.opens_at), utc_time(election.closes_at)
        )
        if election.state == Election.State.DRAFT and election.schedule_problem:
            return format_html(
                '{}<br><strong class="errornote">{}</strong>', times, election.schedule_problem
            )
        return times

    def save_model(self, request: HttpRequest, obj: Election, form: Any, change: bool) -> None:
        # New times: an old reason why the schedule could not open it no longer holds.
        if {"opens_at", "closes_at"} & set(form.changed_data):
            obj.schedule_problem = ""
        super().save_model(request, obj, form, change)

    @admin.display(description="results")
    def results_table(self, election: Election) -> str:
        results = election.results or {}
        counts = results.get("counts", [])
        report = results.get("report", {})
        names = election.candidates.order_by("position").values_list("name", flat=True)
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td></tr>", zip(names, counts, strict=False)
        )
        verified = [v["node_id"] for v in report.get("validators", []) if v.get("verified")]
        note = format_html(
            "{} ballots; chain height {}, certified by {} (quorum {}); decrypted by trustees {}",
            results.get("ballots"),
            report.get("chain_height"),
            ", ".join(verified),
            report.get("quorum"),
            ", ".join(
                str(p["trustee"])
                for p in results.get("decryption", {}).get("partial_decryptions", [])
            ),
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

    @admin.action(
        description="Tally the selected elections (start, or publish once decrypted)",
        permissions=["change"],
    )
    def tally_elections(self, request: HttpRequest, queryset: QuerySet[Election]) -> None:
        for election in queryset:
            name = "publish" if election.state == Election.State.TALLYING else "tally"
            self.apply_transition(request, [election], name)

    @admin.action(description="Copy the selected elections as new drafts", permissions=["add"])
    def copy_elections(self, request: HttpRequest, queryset: QuerySet[Election]) -> None:
        for election in queryset:
            copy = copy_election(election)
            self.log_addition(request, copy, [{"added": {}}])
            self.message_user(request, f"{election}: copied as the draft {copy}", messages.SUCCESS)

    def apply_transition(
        self, request: HttpRequest, elections: Iterable[Election], name: str
    ) -> None:
        """Call the verb on each election; report each success and each refusal."""
        verb, done, _, _ = TRANSITIONS[name]
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
                "<int:election_id>/jobs/<int:job_id>/",
                self.admin_site.admin_view(self.job_view),
                name="elections_election_job",
            ),
            path(
                "<int:election_id>/copy/",
                self.admin_site.admin_view(self.copy_view),
                name="elections_election_copy",
            ),
            path(
                "<int:election_id>/reminders/",
                self.admin_site.admin_view(self.reminders_view),
                name="elections_election_reminders",
            ),
            path(
                "<int:election_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="elections_election_transition",
            ),
        ]
        return own + self.ceremony_urls() + super().get_urls()

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
            # While a job is queued or running, its progress replaces the state buttons.
            busy = Job.objects.filter(
                election=election, state__in=[Job.State.QUEUED, Job.State.RUNNING]
            ).exists()
            context["transitions"] = [
                (name, label)
                for name, (_, _, state, label) in TRANSITIONS.items()
                if election.state == state and not busy
            ]
            context["roll_url"] = roll_url(election)
            context["jobs"] = [
                (job, reverse("admin:elections_election_job", args=[election.pk, job.pk]))
                for job in latest_jobs(election)
            ]
            context.update(self.ceremony_context(election))
            context["can_copy"] = self.has_add_permission(request)
            context["reminders"] = election.reminders.order_by("-send_at", "-pk")[:20]
            context["can_remind"] = self.has_change_permission(request, election) and (
                election.state in (Election.State.DRAFT, Election.State.OPEN)
            )
            context["reminder_form"] = ReminderForm()
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

    @method_decorator(require_POST)
    def copy_view(self, request: HttpRequest, election_id: int) -> HttpResponse:
        """Copy as a new draft (staff who may add elections), then show the copy."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        election = get_object_or_404(self.get_queryset(request), pk=election_id)
        if not self.has_view_permission(request, election):
            raise PermissionDenied
        copy = copy_election(election)
        self.log_addition(request, copy, [{"added": {}}])
        self.message_user(
            request,
            f"{election}: copied as this new draft, with its candidates and its roll of "
            f"{copy.roll.count()} voters; name its trustees and set its times",
            messages.SUCCESS,
        )
        return redirect("admin:elections_election_change", copy.pk)

    @method_decorator(require_POST)
    def reminders_view(self, request: HttpRequest, election_id: int) -> HttpResponse:
        """A reminder to the voters who have not voted: now, or at the time given."""
        election = self.changeable_election(request, election_id)
        form = ReminderForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                self.message_user(
                    request, f"{election}: {' '.join(str(e) for e in errors)}", messages.ERROR
                )
            return redirect("admin:elections_election_change", election.pk)
        send_at = form.cleaned_data["send_at"] if "schedule" in request.POST else None
        if "schedule" in request.POST and send_at is None:
            self.message_user(request, f"{election}: give the reminder's time", messages.ERROR)
            return redirect("admin:elections_election_change", election.pk)
        try:
            reminder = schedule_reminder(election, send_at, signed_in(request.user))
        except DomainError as exc:
            self.message_user(request, f"{election}: {exc.detail}", messages.ERROR)
        else:
            when = "now" if send_at is None else f"at {reminder.send_at:%Y-%m-%d %H:%M} UTC"
            pending = pending_recipients(reminder).count()
            self.message_user(
                request,
                f"{election}: a reminder will be sent {when} to the voters who have not voted "
                f"({pending} at present)",
                messages.SUCCESS,
            )
        return redirect("admin:elections_election_change", election.pk)

    def job_view(self, request: HttpRequest, election_id: int, job_id: int) -> JsonResponse:
        """A job's state and progress as JSON, for the progress bars' polling (staff who may
        see the election)."""
        election = get_object_or_404(self.get_queryset(request), pk=election_id)
        if not self.has_view_permission(request, election):
            raise PermissionDenied
        job = get_object_or_404(Job, pk=job_id, election=election)
        return JsonResponse(job_document(job))

    def import_voters_view(self, request: HttpRequest, election_id: int) -> HttpResponse:
        """Check a voter roll CSV and import it whole, or show why not and import nothing."""
        election = self.changeable_election(request, election_id)
        form = VoterRollUploadForm(request.POST or None, request.FILES or None)
        report: RollReport | None = None
        if request.method == "POST" and form.is_valid():
            report = form.roll_report()
            if report.importable and len(report.voters) > IMPORT_IN_BACKGROUND_ROWS:
                rows = [
                    {"email": v.email, "name": v.name, "weight": v.weight} for v in report.voters
                ]
                try:
                    start_job(Job.Kind.VOTER_IMPORT, election, request.user, rows)
                except DomainError as exc:
                    self.message_user(request, f"{election}: {exc.detail}", messages.ERROR)
                else:
                    self.message_user(
                        request,
                        f"{election}: importing {len(rows)} voters: see the progress below",
                        messages.SUCCESS,
                    )
                return redirect("admin:elections_election_change", election.pk)
            if report.importable:
                with transaction.atomic():
                    result = add_voters(election, report.voters)
                self.message_user(
                    request,
                    f"{election}: {result.added} voters added, {result.already_on_roll} "
                    f"already on the roll, {result.users_created} accounts created and "
                    "invited by e-mail to set their password",
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


def utc_time(moment: datetime | None) -> str:
    """A time in UTC, which the page's script (pages/localtime.js) shows in local time too."""
    if moment is None:
        return "not set"
    return format_html(
        '<time class="local-time" datetime="{}">{} UTC</time>',
        moment.astimezone(UTC).isoformat(),
        f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}",
    )


def latest_jobs(election: Election) -> list[Job]:
    """The newest job of each kind: what the election's page shows progress for."""
    newest: dict[str, Job] = {}
    for job in Job.objects.filter(election=election).order_by("-created_at")[:20]:
        newest.setdefault(job.kind, job)
    return sorted(newest.values(), key=lambda job: job.created_at)


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
    """Who is on each roll, their weight and whether they voted, never what they chose.
    Only the weight changes here, while the ballot is editable (a draft whose key ceremony
    has not started: a weighted election's ceremony commits to its roll's weights)."""

    list_display = ("voter_email", "voter_name", "election", "weight", "voted")
    list_filter = ("election", VotedFilter)
    list_select_related = ("user", "election")
    search_fields = ("user__email", "user__name")
    fields = ("election", "voter_email", "voter_name", "weight", "added_at", "voted")
    actions = ("resend_invitations",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = request.user.has_perm("elections.change_election")
        return allowed and (obj is None or ballot_editable(obj.election))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return tuple(name for name in self.fields if name != "weight")

    def save_model(self, request: HttpRequest, obj: RollEntry, form: Any, change: bool) -> None:
        try:
            set_voter_weight(obj, obj.weight)
        except DomainError as exc:
            self.message_user(request, exc.detail, messages.ERROR)

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("elections.change_election")

    @admin.action(
        description="Send the selected voters their invitation again", permissions=["resend"]
    )
    def resend_invitations(self, request: HttpRequest, queryset: QuerySet[RollEntry]) -> None:
        by_election: dict[int, list[int]] = {}
        for entry in queryset.select_related("election"):
            by_election.setdefault(entry.election_id, []).append(entry.user_id)
        for election_id, user_ids in by_election.items():
            queue_invitations(Election(pk=election_id), user_ids)
        self.message_user(
            request, f"{queryset.count()} invitations will be sent again", messages.SUCCESS
        )

    @admin.display(description="e-mail", ordering="user__email")
    def voter_email(self, entry: RollEntry) -> str:
        return entry.user.email

    @admin.display(description="name", ordering="user__name")
    def voter_name(self, entry: RollEntry) -> str:
        return entry.user.name

    @admin.display(description="voted", boolean=True)
    def voted(self, entry: RollEntry) -> bool:
        return entry.voted_at is not None
