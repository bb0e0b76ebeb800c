"""Words for a vote's public status, in the voter's language."""

from __future__ import annotations

from django.utils.translation import gettext as _


def status_label(status: str) -> str:
    labels = {
        "pending": _("pending: accepted, waiting for a block"),
        "fallback": _("pending: held on the backup ledger until the validators return"),
        "confirmed": _("confirmed"),
    }
    return labels.get(status, status)
