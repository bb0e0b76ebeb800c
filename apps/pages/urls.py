"""The voter pages, mounted at the site root."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import path, reverse_lazy
from django.views.generic import RedirectView

from apps.pages.views import auth, public, trustee, voting

app_name = "pages"
urlpatterns = [
    path("", login_required(RedirectView.as_view(pattern_name="pages:my-elections")), name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    # Password reset by e-mail (the console e-mail backend in development).
    path("password-reset/", auth.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="pages/password_reset_sent.html"),
        name="password-reset-sent",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="pages/password_reset_confirm.html",
            success_url=reverse_lazy("pages:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="pages/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
    # An invitation is a password-reset link for an account made for its voter.
    path(
        "invitation/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="pages/password_reset_confirm.html",
            success_url=reverse_lazy("pages:password-reset-complete"),
            extra_context={"invitation": True},
        ),
        name="invitation",
    ),
    path("elections/", voting.my_elections, name="my-elections"),
    path("elections/<int:election_id>/ballot/", voting.ballot, name="ballot"),
    path("elections/<int:election_id>/spoil/", voting.spoil, name="spoil"),
    path("elections/<int:election_id>/spoiled/<str:tracker>/", voting.spoiled, name="spoiled"),
    path("check/", public.check, name="check"),
    path("elections/<int:election_id>/receipt/", voting.receipt, name="receipt"),
    path(
        "elections/<int:election_id>/receipt/status/", voting.receipt_status, name="receipt-status"
    ),
    path("elections/<int:election_id>/results/", public.results, name="results"),
    path("elections/<int:election_id>/record.json", public.election_record, name="record"),
    path("elections/<int:election_id>/board/", public.board, name="board"),
    path("elections/<int:election_id>/verify/", public.verify, name="verify"),
    path("network/genesis.json", public.genesis_file, name="genesis"),
    path("trustee/", trustee.trustee_elections, name="trustee"),
]
