"""Log in and log out (Django's auth views with the e-mail user), with log-in attempts limited
per client IP and e-mail address."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from apps.accounts.throttle import clear_login_failures, login_blocked, record_login_failure
from apps.pages.forms import EmailLoginForm

log = logging.getLogger("apps.pages")


class LoginView(auth_views.LoginView):
    template_name = "pages/login.html"
    form_class = EmailLoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        email = str(request.POST.get("username", ""))[:254]
        if login_blocked(request, email):
            log.warning("login throttled ip=%s", request.META.get("REMOTE_ADDR"))
            # An unbound form: the password is not even checked while the limit holds.
            form = self.form_class(request, initial={"username": email})
            context = self.get_context_data(
                form=form,
                throttled=_("Too many failed log-in attempts. Wait a few minutes, then try again."),
            )
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        clear_login_failures(self.request, form.cleaned_data["username"])
        log.info("login ok user=%s", form.get_user().pk)
        return super().form_valid(form)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        failures = record_login_failure(
            self.request, str(self.request.POST.get("username", ""))[:254]
        )
        log.info("login failed ip=%s failures=%s", self.request.META.get("REMOTE_ADDR"), failures)
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    template_name = "pages/logged_out.html"
