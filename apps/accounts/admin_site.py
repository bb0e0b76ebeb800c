"""The admin site, with its log-in page limited like the others (apps.accounts.throttle):
officials' accounts are worth guessing at. Installed by apps.accounts.admin_config."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from apps.accounts.throttle import login_blocked, record_login_failure

THROTTLED = "Too many failed log-in attempts. Wait a few minutes, then try again."


class ThrottledAdminSite(admin.AdminSite):
    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method != "POST":
            return super().login(request, extra_context)
        email = str(request.POST.get("username", ""))[:254]
        if login_blocked(request, email):
            form = AuthenticationForm(request, initial={"username": email})
            form.errors["__all__"] = form.error_class([THROTTLED])
            context = {
                **self.each_context(request),
                "title": "Log in",
                "app_path": request.get_full_path(),
                "form": form,
                "username": email,
            }
            return TemplateResponse(request, "admin/login.html", context, status=429)
        response = super().login(request, extra_context)
        if response.status_code == 200:  # the form came back: the log-in failed
            record_login_failure(request, email)
        return response
