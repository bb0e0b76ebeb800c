"""Bearer tokens: `Authorization: Bearer <access_token>`, django-rest-knox's tokens. Only a
hash of each token is stored; each expires API_TOKEN_TTL_SECONDS after log-in, and log-out or a
password change ends it (apps.accounts.models.User.save)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class BearerTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes) -> Any:
        """A token that is not ASCII is no token (knox would fail on it with a 500)."""
        if not token.isascii():
            raise AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(token)


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Describes the scheme to OpenAPI as HTTP bearer, so the docs page offers to send it."""

    target_class = "apps.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {"type": "http", "scheme": "bearer"}
