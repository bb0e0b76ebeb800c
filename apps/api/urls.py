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

from apps.api.views import auth, elections, jobs, network, trustees, votes


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
    re_path(r"^votes/spoil/?$", votes.spoil, name="spoil"),
    re_path(r"^votes/transaction-status/?$", votes.transaction_status, name="transaction-status"),
    re_path(r"^votes/results/?$", votes.results, name="results"),
    re_path(r"^votes/verify-blockchain/?$", votes.verify_blockchain, name="verify-blockchain"),
    re_path(r"^admin/validators/health/?$", network.validator_health, name="validator-health"),
    re_path(
        r"^admin/validators/refresh-status/?$",
        network.refresh_validator_status,
        name="validator-refresh",
    ),
    re_path(r"^jobs/(?P<job_id>[0-9]{1,18})/?$", jobs.job, name="job"),
    re_path(r"^trustee/elections/?$", trustees.my_elections, name="trustee-elections"),
    re_path(
        r"^trustee/elections/(?P<election_id>[0-9]{1,18})/ceremony/?$",
        trustees.ceremony,
        name="trustee-ceremony",
    ),
    re_path(
        r"^trustee/elections/(?P<election_id>[0-9]{1,18})/encryption-key/?$",
        trustees.encryption_key,
        name="trustee-encryption-key",
    ),
    re_path(
        r"^trustee/elections/(?P<election_id>[0-9]{1,18})/dealing/?$",
        trustees.dealing,
        name="trustee-dealing",
    ),
    re_path(
        r"^trustee/elections/(?P<election_id>[0-9]{1,18})/share-check/?$",
        trustees.share_check,
        name="trustee-share-check",
    ),
    re_path(
        r"^trustee/elections/(?P<election_id>[0-9]{1,18})/tally/?$",
        trustees.tally,
        name="trustee-tally",
    ),
    re_path(
        r"^trustee/elections/(?P<election_id>[0-9]{1,18})/partial-decryption/?$",
        trustees.partial_decryption,
        name="trustee-partial-decryption",
    ),
    re_path(r"^schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^docs/?$", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^", include(router.urls)),
    re_path(r"^(?P<path>[\s\S]*)$", unknown_endpoint),  # any path, newlines too
]
