"""Log in for a bearer token, log out, see who the token belongs to."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import APIException, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.throttle import login_blocked, record_login_failure
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
    """Exchange e-mail and password for a new token, valid API_TOKEN_TTL_SECONDS unless its
    holder logs out or changes password. Failed attempts count with the log-in page's and the
    admin's (apps.accounts.throttle); past a limit the answer is 429."""
    serializer = LoginInput(data=request.data)
    serializer.is_valid(raise_exception=True)
    email = serializer.validated_data["email"].strip().lower()
    if login_blocked(request._request, email):
        raise Throttled(wait=settings.LOGIN_ATTEMPT_WINDOW_SECONDS)
    user = authenticate(
        request._request, email=email, password=serializer.validated_data["password"]
    )
    if user is None:
        record_login_failure(request._request, email)
        raise InvalidCredentials()
    _, token = AuthToken.objects.create(user)
    return Response({"access_token": token, "token_type": "bearer"})


@extend_schema(request=None, responses={204: None}, tags=["auth"])
@api_view(["POST"])
def logout(request: Request) -> Response:
    """End this bearer token now; log in again for a new one."""
    request.auth.delete()
    return Response(status=204)


@extend_schema(responses=ProfileOutput, tags=["auth"])
@api_view(["GET"])
def profile(request: Request) -> Response:
    return Response(ProfileOutput(request.user).data)
