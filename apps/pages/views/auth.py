"""Log in, log out and password reset (Django's auth views with the e-mail user), with
attempts limited (apps.accounts.throttle)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from apps.accounts.throttle import client_ip, login_blocked, record_login_failure, reset_blocked
from apps.pages.forms import EmailLoginForm

log = logging.getLogger("apps.pages")


class LoginView(auth_views.LoginView):
    template_name = "pages/login.html"
    form_class = EmailLoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        email = str(request.POST.get("username", ""))[:254]
        if login_blocked(request, email):
            log.warning("login throttled ip=%s", client_ip(request))
            # An unbound form: the password is not even checked while the limit holds.
            form = self.form_class(request, initial={"username": email})
            context = self.get_context_data(
                form=form,
                throttled=_("Too many failed log-in attempts. Wait a few minutes, then try again."),
            )
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        log.info("login ok user=%s", form.get_user().pk)
        return super().form_valid(form)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        failures = record_login_failure(
            self.request, str(self.request.POST.get("username", ""))[:254]
        )
        log.info("login failed ip=%s failures=%s", client_ip(self.request), failures)
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    template_name = "pages/logged_out.html"


class PasswordResetView(auth_views.PasswordResetView):
    """Links in the e-mail name PASSWORD_RESET_DOMAIN when it is set (else the request's host,
    which ALLOWED_HOSTS has vetted); requests are limited per client IP and per address."""

    template_name = "pages/password_reset.html"
    email_template_name = "pages/password_reset_email.txt"
    subject_template_name = "pages/password_reset_subject.txt"
    success_url = reverse_lazy("pages:password-reset-sent")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # Throttled or not, the same answer as for a sent e-mail: it tells nobody whether the
        # address exists.
        if reset_blocked(self.request, form.cleaned_data["email"]):
            log.warning("password reset throttled ip=%s", client_ip(self.request))
        else:
            form.save(
                domain_override=settings.PASSWORD_RESET_DOMAIN,
                use_https=self.request.is_secure(),
                token_generator=self.token_generator,
                from_email=self.from_email,
                email_template_name=self.email_template_name,
                subject_template_name=self.subject_template_name,
                request=self.request,
            )
        return HttpResponseRedirect(self.get_success_url())
