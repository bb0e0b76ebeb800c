"""The API's routes, mounted at /api/. A trailing slash is optional everywhere, and any other
path under /api/ is a JSON 404 (not Django's HTML page, nor a slash-appending redirect)."""

from __future__ import annotations

from django.urls import include, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from apps.api.views import auth, elections, network, votes


class OptionalSlashRouter(SimpleRouter):
    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([])
def unknown_endpoint(request: Request, path: str) -> Response:
    raise NotFound(f"no API endpoint at /api/{path}")


router = OptionalSlashRouter()
router.register("elections", elections.ElectionViewSet, basename="election")

app_name = "api"
urlpatterns = [
    re_path(r"^auth/login/?$", auth.login, name="login"),
    re_path(r"^auth/logout/?$", auth.logout, name="logout"),
    re_path(r"^auth/profile/?$", auth.profile, name="profile"),
    re_path(r"^votes/public-keys/?$", votes.public_keys, name="public-keys"),
    re_path(r"^votes/check/?$", votes.check, name="check"),
    re_path(r"^votes/history/?$", votes.history, name="history"),
    re_path(r"^votes/submit/?$", votes.submit, name="submit"),
    re_path(r"^votes/transaction-status/?$", votes.transaction_status, name="transaction-status"),
    re_path(r"^votes/results/?$", votes.results, name="results"),
    re_path(r"^votes/verify-blockchain/?$", votes.verify_blockchain, name="verify-blockchain"),
    re_path(r"^admin/validators/health/?$", network.validator_health, name="validator-health"),
    re_path(
        r"^admin/validators/refresh-status/?$",
        network.refresh_validator_status,
        name="validator-refresh",
    ),
    re_path(r"^schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^docs/?$", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^", include(router.urls)),
    re_path(r"^(?P<path>.*)$", unknown_endpoint),
]
