"""Forms of the voter pages. They check the shape of input; the verbs check everything else."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.http import QueryDict
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from apps.elections.models import Candidate, Election
from evcrypto.contests import Contest, Cumulative, Score

# A canonical ballot for a few dozen candidates is a few tens of kilobytes; refuse far more.
MAX_BALLOT_CHARS = 200_000
# A value typed for a score or points option: a few ASCII digits.
DIGITS = re.compile(r"[0-9]{1,3}")


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("That e-mail address and password do not match an account."),
        "inactive": _("This account is inactive."),
    }


class BallotForm(forms.Form):
    """Either the browser's encrypted ballot (`ballot`) or the plain choice (`candidate`),
    which the server encrypts at once and never stores."""

    ballot = forms.CharField(required=False, max_length=MAX_BALLOT_CHARS, widget=forms.HiddenInput)
    candidate = forms.MultipleChoiceField(required=False)

    def __init__(self, election: Election, candidates: list[Candidate], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.election = election
        field = cast(forms.MultipleChoiceField, self.fields["candidate"])
        field.choices = [(str(c.pk), c.name) for c in candidates]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("ballot"):
            return data
        chosen = data.get("candidate") or []
        low, high = self.election.min_selections, self.election.max_selections
        if not low <= len(chosen) <= high:
            raise forms.ValidationError(selection_rule(low, high), code="selections")
        if not chosen:
            raise forms.ValidationError(_("Choose at least one candidate."), code="selections")
        return data

    def candidate_ids(self) -> list[int]:
        return [int(c) for c in self.cleaned_data.get("candidate") or []]


def selection_rule(low: int, high: int) -> str:
    if low == high:
        return ngettext(
            "Choose exactly %(n)s candidate.", "Choose exactly %(n)s candidates.", high
        ) % {"n": high}
    return ngettext(
        "Choose between %(low)s and %(high)s candidate.",
        "Choose between %(low)s and %(high)s candidates.",
        high,
    ) % {"low": low, "high": high}


@dataclass(frozen=True)
class ContestOption:
    """One option of a contest on the page: its candidate, its index in the contest, and the
    value shown (what the voter sent back, after a refusal)."""

    pk: int
    name: str
    index: int
    value: str


@dataclass(frozen=True)
class ContestQuestion:
    """One contest on the ballot page: its published rule (`kind`, the most one option may
    hold, the total's range if the rule bounds it) and the rule in words."""

    contest_id: str
    index: int
    title: str
    kind: str
    high: int
    total: tuple[int, int] | None
    rule_text: str
    options: tuple[ContestOption, ...]
    error: str = ""

    @property
    def field_name(self) -> str:
        return f"contest-{self.contest_id}"

    @property
    def multiple(self) -> bool:
        """Checkboxes for a `choose` contest, unless exactly one option must be chosen
        (radios, which cannot be cleared again)."""
        return self.total != (1, 1)

    @property
    def levels(self) -> tuple[str, ...]:
        """The values one option may hold, for a score's radio group."""
        return tuple(str(level) for level in range(self.high + 1))

    @property
    def error_text(self) -> str:
        """What the page says when this contest's values break its rule."""
        return gettext("%(contest)s: %(rule)s") % {"contest": self.title, "rule": self.rule_text}


def contest_rule_text(contest: Contest) -> str:
    """A contest's counting rule in words, for the voter."""
    rule = contest.rule
    if isinstance(rule, Score):
        return gettext("Give each option a score from 0 (lowest) to %(high)s (highest).") % {
            "high": rule.max_score
        }
    if isinstance(rule, Cumulative):
        points, most = rule.points, rule.max_per_option
        if most >= points:
            return ngettext(
                "Share up to %(points)s point among the options.",
                "Share up to %(points)s points among the options.",
                points,
            ) % {"points": points}
        return ngettext(
            "Share up to %(points)s point among the options, at most %(most)s on any one.",
            "Share up to %(points)s points among the options, at most %(most)s on any one.",
            points,
        ) % {"points": points, "most": most}
    low, high = rule.min_selections, rule.max_selections
    if low == high:
        return ngettext("Choose exactly %(n)s option.", "Choose exactly %(n)s options.", high) % {
            "n": high
        }
    if low == 0:
        return ngettext("Choose up to %(n)s option.", "Choose up to %(n)s options.", high) % {
            "n": high
        }
    return ngettext(
        "Choose between %(low)s and %(high)s option.",
        "Choose between %(low)s and %(high)s options.",
        high,
    ) % {"low": low, "high": high}


class ContestBallotForm(forms.Form):
    """The ballot of an election of contests (record format 2): either the browser's encrypted
    ballot (`ballot`) or, without JavaScript, one value per option of each contest, which the
    server encrypts at once and never stores. A `choose` contest posts the chosen options'
    ids under `contest-<id>`; a score or points option posts its number under `option-<pk>`
    (left empty, 0). Values outside a contest's rule are refused naming the contest."""

    ballot = forms.CharField(required=False, max_length=MAX_BALLOT_CHARS, widget=forms.HiddenInput)

    def __init__(
        self,
        contests: Sequence[Contest],
        candidates: Sequence[Sequence[Candidate]],
        *args: Any,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.questions = [
            self._question(index, contest, options)
            for index, (contest, options) in enumerate(zip(contests, candidates, strict=True))
        ]
        self._values: dict[str, list[int]] = {}

    def _posted(self, name: str) -> list[str]:
        """Every value posted under `name` (the options chosen in a `choose` contest)."""
        return list(self.data.getlist(name)) if isinstance(self.data, QueryDict) else []

    def _question(
        self, index: int, contest: Contest, candidates: Sequence[Candidate]
    ) -> ContestQuestion:
        kind = contest.rule.kind
        chosen = self._posted(f"contest-{contest.contest_id}")

        def shown(candidate: Candidate) -> str:
            if kind == "choose":
                return "1" if str(candidate.pk) in chosen else "0"
            posted = self.data.get(f"option-{candidate.pk}", "") if self.is_bound else ""
            return str(posted).strip()[:12] or "0"

        return ContestQuestion(
            contest_id=contest.contest_id,
            index=index,
            title=contest.title,
            kind=kind,
            high=contest.rule.option_max,
            total=contest.rule.total_range,
            rule_text=contest_rule_text(contest),
            options=tuple(
                ContestOption(c.pk, c.name, j, shown(c)) for j, c in enumerate(candidates)
            ),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("ballot"):
            return data
        refused = []
        for number, question in enumerate(self.questions):
            values = self._read(question)
            if values is None:
                refused.append(question.error_text)
                self.questions[number] = _with_error(question)
            else:
                self._values[question.contest_id] = values
        if refused:
            raise forms.ValidationError(refused, code="values")
        return data

    def _read(self, question: ContestQuestion) -> list[int] | None:
        """The contest's values if they keep its rule; None if not."""
        if question.kind == "choose":
            known = {str(option.pk) for option in question.options}
            posted = self._posted(question.field_name)
            if any(value not in known for value in posted):
                return None
        values = []
        for option in question.options:
            if not DIGITS.fullmatch(option.value) or not 0 <= int(option.value) <= question.high:
                return None
            values.append(int(option.value))
        if question.total is not None and not (
            question.total[0] <= sum(values) <= question.total[1]
        ):
            return None
        return values

    def values(self) -> dict[str, list[int]]:
        """Contest id -> one value per option (cast_values), once the form is valid."""
        return dict(self._values)


def _with_error(question: ContestQuestion) -> ContestQuestion:
    return replace(question, error=question.error_text)
