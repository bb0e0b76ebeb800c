"""Elections, candidates and voter rolls. No election secret is stored: the election key is
held by the trustees (apps.trustees), and only its public part is kept here."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from evcrypto.contests import MAX_WEIGHT


def new_chain_election_id() -> str:
    return uuid.uuid4().hex


class Election(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft"
        OPEN = "open"
        CLOSED = "closed"
        TALLYING = "tallying"  # aggregate fixed, waiting for the trustees' partial decryptions
        TALLIED = "tallied"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # The id the validators see: unique across backends and database resets.
    chain_election_id = models.CharField(max_length=64, unique=True, default=new_chain_election_id)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    # The schedule (apps.elections.schedule): the election opens and closes by itself then.
    opens_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="In UTC. The election opens by itself then, once its key ceremony is complete.",
    )
    closes_at = models.DateTimeField(
        null=True, blank=True, help_text="In UTC. The election closes by itself then."
    )
    min_selections = models.PositiveSmallIntegerField(default=1)
    max_selections = models.PositiveSmallIntegerField(default=1)
    # k of the trustees' partial decryptions are needed to decrypt the tally.
    threshold = models.PositiveSmallIntegerField(default=2)
    # Set when the key ceremony starts (with the parameters and their hash, which fix the
    # ballot), and changed when it restarts, so a trustee's stale file is told apart.
    ceremony_id = models.CharField(max_length=32, blank=True)
    election_hash = models.CharField(max_length=64, blank=True)
    parameters = models.JSONField(null=True, blank=True)
    # The public election key (threshold and every trustee's commitment), fixed at opening.
    public_key = models.JSONField(null=True, blank=True)
    # Fixed when the tally starts: the aggregate the trustees decrypt, and how it was read.
    aggregate = models.JSONField(null=True, blank=True)
    tally_report = models.JSONField(null=True, blank=True)
    results = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    tally_started_at = models.DateTimeField(null=True, blank=True)
    tallied_at = models.DateTimeField(null=True, blank=True)
    # Why the schedule could not open this draft at its opens_at (apps.elections.schedule);
    # empty once it opens, or while nothing stands in the way.
    schedule_problem = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """The model forms' check (the admin's change form): closes after it opens."""
        from apps.elections.errors import InvalidInput
        from apps.elections.services import check_schedule

        try:
            check_schedule(self.opens_at, self.closes_at)
        except InvalidInput as exc:
            raise ValidationError({"closes_at": exc.detail}) from exc


class Contest(models.Model):
    """One question of an election of several (record format 2, evcrypto.contests): its
    options are the candidates that name it, and its counting rule is `kind` with the fields
    that kind uses. An election with no contests is one question (format 1): its candidates
    and the election's own min/max selections."""

    class Kind(models.TextChoices):
        CHOOSE = "choose"  # min_selections..max_selections options, each chosen or not
        SCORE = "score"  # 0..max_score on each option
        CUMULATIVE = "cumulative"  # 0..points in all, at most max_per_option on one option

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="contests")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CHOOSE)
    min_selections = models.PositiveSmallIntegerField(default=1)
    max_selections = models.PositiveSmallIntegerField(default=1)
    max_score = models.PositiveSmallIntegerField(default=5, help_text="Score rule: S, 1 to 10.")
    points = models.PositiveSmallIntegerField(
        default=10, help_text="Cumulative rule: K, the points a voter shares out, 1 to 100."
    )
    max_per_option = models.PositiveSmallIntegerField(
        default=10, help_text="Cumulative rule: the most points on one option, 1 to K."
    )

    # What makes the contest, besides its election and options: copied, shown, edited.
    FIELDS = (
        "position",
        "title",
        "kind",
        "min_selections",
        "max_selections",
        "max_score",
        "points",
        "max_per_option",
    )

    class Meta:
        ordering = ["election", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "position"], name="one_contest_per_position"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """The admin's check: the rule's fields within evcrypto's bounds (the options are
        checked when the key ceremony fixes the ballot)."""
        from apps.elections.services import contest_rule
        from evcrypto import CryptoError

        try:
            contest_rule(self)
        except CryptoError as exc:
            fields: dict[str, str] = {
                self.Kind.SCORE: "max_score",
                self.Kind.CUMULATIVE: "max_per_option" if "max_per" in str(exc) else "points",
            }
            raise ValidationError({fields.get(str(self.kind), "max_selections"): str(exc)}) from exc

    @property
    def contest_id(self) -> str:
        """The contest's id in the election's parameters and record."""
        return f"c{self.position + 1}"


class Candidate(models.Model):
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    # The contest this candidate is an option of; none in a single-question election.
    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, null=True, blank=True, related_name="options"
    )
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["election", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "position"], name="one_candidate_per_position"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RollEntry(models.Model):
    """A voter on an election's roll; `voted_at` is set in the transaction that stores the vote.
    An account on a roll cannot be deleted (deactivate it instead): deleted and made again, it
    would be a new voter with a new pseudonym and a second ballot."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="roll")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rolls"
    )
    # What this voter's ballot counts for (record format 2); every voter weighs 1 unless set.
    # A weighted election commits to its roll's weights when the key ceremony starts.
    weight = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_WEIGHT)]
    )
    added_at = models.DateTimeField(auto_now_add=True)
    voted_at = models.DateTimeField(null=True, blank=True)
    # The latest reminder e-mailed to this voter, and when: a reminder claims each entry with
    # a conditional update before its e-mail goes, so a run repeated never sends it twice.
    reminder = models.ForeignKey(
        "Reminder", on_delete=models.SET_NULL, null=True, blank=True, related_name="recipients"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "roll entries"
        constraints = [
            models.UniqueConstraint(fields=["election", "user"], name="one_roll_entry_per_voter")
        ]


class Job(models.Model):
    """One long operation run by the worker (apps.elections.jobs): closing, tallying, a voter
    import. The worker writes its step and progress here at a bounded rate; the API's status
    URL and the admin's progress bar read it."""

    class Kind(models.TextChoices):
        CLOSE = "close"
        TALLY = "tally"
        VOTER_IMPORT = "voter_import"

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="jobs")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    step = models.CharField(max_length=64, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    # What the job was given (a voter import's rows) and what it produced (its report).
    arguments = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A second request for the same work while one is queued or running is refused
            # by the database itself, so two web workers cannot both start one.
            models.UniqueConstraint(
                fields=["election", "kind"],
                condition=models.Q(state__in=["queued", "running"]),
                name="one_unfinished_job_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


class Reminder(models.Model):
    """One reminder e-mail to every voter on an open election's roll who has not voted yet,
    sent now or at `send_at` by the worker (apps.elections.reminders). Which voters it reached
    is on their roll entries (RollEntry.reminder)."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled"
        SENDING = "sending"
        SENT = "sent"
        SKIPPED = "skipped"  # the election was not open at send_at: nothing was sent

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="reminders")
    send_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    sent = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-send_at", "-pk"]

    def __str__(self) -> str:
        return f"reminder #{self.pk} ({self.state})"
