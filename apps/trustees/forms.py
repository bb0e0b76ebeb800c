"""The officials' forms for trustees: naming them (k of n) and replacing one."""

from __future__ import annotations

from django import forms

from apps.trustees.services import MAX_TRUSTEES


class TrusteesForm(forms.Form):
    emails = forms.CharField(
        label="Trustees",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One e-mail address per line; accounts are created for new addresses "
        "(they set a password with 'forgotten password').",
    )
    threshold = forms.IntegerField(
        min_value=1,
        max_value=MAX_TRUSTEES,
        required=False,
        help_text="How many trustees must take part to decrypt. Left empty: a majority "
        "(2 of 3). 1 of 1 means a single person can decrypt every ballot.",
    )

    def email_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["emails"].splitlines() if line.strip()]


class ReplaceTrusteeForm(forms.Form):
    index = forms.IntegerField(min_value=1, max_value=MAX_TRUSTEES, label="Trustee number")
    email = forms.EmailField(label="New trustee's e-mail")
