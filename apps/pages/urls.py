"""The voter pages, mounted at the site root."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import RedirectView

from apps.pages.views import auth, public, voting

app_name = "pages"
urlpatterns = [
    path("", login_required(RedirectView.as_view(pattern_name="pages:my-elections")), name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("elections/", voting.my_elections, name="my-elections"),
    path("elections/<int:election_id>/ballot/", voting.ballot, name="ballot"),
    path("elections/<int:election_id>/receipt/", voting.receipt, name="receipt"),
    path(
        "elections/<int:election_id>/receipt/status/", voting.receipt_status, name="receipt-status"
    ),
    path("elections/<int:election_id>/results/", public.results, name="results"),
    path("elections/<int:election_id>/record.json", public.election_record, name="record"),
    path("elections/<int:election_id>/board/", public.board, name="board"),
    path("elections/<int:election_id>/verify/", public.verify, name="verify"),
]
