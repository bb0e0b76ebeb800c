"""Forms of the voter pages. They check the shape of input; the verbs check everything else."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.elections.models import Candidate, Election

# A canonical ballot for a few dozen candidates is a few tens of kilobytes; refuse far more.
MAX_BALLOT_CHARS = 200_000


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
