"""Validator health at a glance for officials: one row per validator, and "refresh now"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from apps.lib.admin import ReadOnlyModelAdmin
from apps.network.health import refresh_validator_health, validator_health_rows
from apps.network.models import ValidatorHealth

STATUS_COLOURS: dict[str, str] = {
    ValidatorHealth.Status.HEALTHY: "#2a7d2a",
    ValidatorHealth.Status.DEGRADED: "#b36b00",
    ValidatorHealth.Status.UNREACHABLE: "#ba2121",
}


def seconds_ago(moment: datetime | None, now: datetime) -> str:
    """Health is checked every few seconds: minutes (Django's timesince) are too coarse."""
    if moment is None:
        return "never"
    seconds = max(0, int((now - moment).total_seconds()))
    return f"{seconds} s ago" if seconds < 3600 else f"{timesince(moment, now)} ago"


@admin.register(ValidatorHealth)
class ValidatorHealthAdmin(ReadOnlyModelAdmin):
    """The rows are the worker's health checks: read-only, with their lag behind the best
    node from validator_health_rows(). Refreshing polls the validators at once."""

    def get_urls(self) -> list[URLPattern]:
        refresh = path(
            "refresh/",
            self.admin_site.admin_view(self.refresh_view),
            name="network_validatorhealth_refresh",
        )
        return [refresh, *super().get_urls()]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        rows: list[dict[str, Any]] = [
            {
                "row": row,
                "colour": STATUS_COLOURS.get(row.status, "#777"),
                "seen": seconds_ago(row.last_seen_at, now),
            }
            for row in validator_health_rows()
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Validator health",
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "rows": rows,
            "healthy": sum(r["row"].status == ValidatorHealth.Status.HEALTHY for r in rows),
        }
        return TemplateResponse(request, "admin/network/validatorhealth/health.html", context)

    @method_decorator(require_POST)
    def refresh_view(self, request: HttpRequest) -> HttpResponse:
        """Looking again is not a change: anyone who may see the page may refresh it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = refresh_validator_health()
        healthy = sum(row.status == ValidatorHealth.Status.HEALTHY for row in rows)
        self.message_user(
            request, f"health refreshed: {healthy} of {len(rows)} validators healthy", messages.INFO
        )
        return redirect("admin:network_validatorhealth_changelist")
