"""Log in for a bearer token; see who the token belongs to."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.serializers import LoginInput, ProfileOutput, TokenOutput


class InvalidCredentials(APIException):
    # The login view takes no token, so DRF would answer AuthenticationFailed with a 403.
    status_code = 401
    default_code = "invalid_credentials"
    default_detail = "wrong e-mail or password"
    auth_header = "Bearer"


@extend_schema(request=LoginInput, responses={200: TokenOutput}, auth=[], tags=["auth"])
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def login(request: Request) -> Response:
    """Exchange e-mail and password for a token (the same token until it is deleted)."""
    serializer = LoginInput(data=request.data)
    serializer.is_valid(raise_exception=True)
    user = authenticate(
        request._request,
        email=serializer.validated_data["email"].strip().lower(),
        password=serializer.validated_data["password"],
    )
    if user is None:
        raise InvalidCredentials()
    token, _ = Token.objects.get_or_create(user=user)
    return Response({"access_token": token.key, "token_type": "bearer"})


@extend_schema(responses=ProfileOutput, tags=["auth"])
@api_view(["GET"])
def profile(request: Request) -> Response:
    return Response(ProfileOutput(request.user).data)
