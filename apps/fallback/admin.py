"""The local fallback chain for officials: its blocks, read-only, under its integrity state.

A block's entries carry ballots and voter pseudonyms; the admin shows only their transaction
ids and trackers, which a voter's receipt shows anyway.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html_join

from apps.fallback.blocks import entry_ids
from apps.fallback.integrity import check_fallback_chain
from apps.fallback.models import FallbackBlock
from apps.lib.admin import ReadOnlyModelAdmin


@admin.register(FallbackBlock)
class FallbackBlockAdmin(ReadOnlyModelAdmin):
    list_display = ("index", "created_at", "vote_count", "short_hash", "replayed_at")
    fields = (
        "index",
        "created_at",
        "previous_hash",
        "block_hash",
        "signature",
        "replayed_at",
        "votes",
    )
    readonly_fields = fields

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The whole chain is checked on every look: it is the page's first line."""
        context = {**(extra_context or {}), "integrity": check_fallback_chain()}
        return super().changelist_view(request, context)

    @admin.display(description="votes")
    def vote_count(self, block: FallbackBlock) -> int:
        return len(entry_ids(block.entries))

    @admin.display(description="block hash")
    def short_hash(self, block: FallbackBlock) -> str:
        return block.block_hash[:16]

    @admin.display(description="votes (transaction id, tracker)")
    def votes(self, block: FallbackBlock) -> str:
        entries = block.entries if isinstance(block.entries, list) else []
        pairs = [
            (entry.get("transaction_id", "?"), entry.get("tracker", "?"))
            for entry in entries
            if isinstance(entry, dict)
        ]
        return format_html_join("", "<div><code>{}</code> {}</div>", pairs)
