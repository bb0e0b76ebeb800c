"""Bearer tokens: `Authorization: Bearer <access_token>` (DRF's token model, another keyword),
each valid for API_TOKEN_TTL_SECONDS from when it was issued."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


def expired(token: Token) -> bool:
    return bool(token.created < timezone.now() - timedelta(seconds=settings.API_TOKEN_TTL_SECONDS))


class BearerTokenAuthentication(TokenAuthentication):
    keyword = "Bearer"

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if expired(token):
            token.delete()
            raise AuthenticationFailed("the token has expired; log in again", "token_expired")
        return user, token


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Describes the scheme to OpenAPI as HTTP bearer, so the docs page offers to send it."""

    target_class = "apps.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {"type": "http", "scheme": "bearer"}
