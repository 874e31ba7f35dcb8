"""The second factor in the API.

- The token login (``POST /api/v1/auth/token/``) takes ``otp`` beside the
  username and password: a token is issued only after the second factor, to
  whoever has one, and never to a user who must have one but has none.
- Every API request is refused with ``403 {"code": "second_factor_required"}``
  when its user must have a second factor and has none (a token issued before
  the requirement, or before an administrator reset the factor), or, with a
  session, when that session was not confirmed with the second factor.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_login_failed
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response

from coordination.models import User

from .authentication import TokenAuthentication
from .second_factor import (
    NO_CODE,
    NOT_ENROLLED,
    WRONG_CODE,
    factor_required,
    has_factor,
    owes_factor,
    verify_code,
)

CODE = "second_factor_required"
REQUIRED_MESSAGE = (
    "Voor uw rol is een tweede factor verplicht. Stel die in via de website (Mijn account) en log "
    "daarna opnieuw in."
)

TOKEN_LOGIN_REQUEST = inline_serializer(
    "TokenLogin",
    {
        "username": serializers.CharField(),
        "password": serializers.CharField(),
        "otp": serializers.CharField(
            required=False, help_text="The code of the authenticator app, or a recovery code."
        ),
    },
)
TOKEN_LOGIN_ERRORS = inline_serializer(
    "TokenLoginRefused",
    {
        "otp": serializers.ListField(child=serializers.CharField(), required=False),
        "code": serializers.CharField(required=False),
        "non_field_errors": serializers.ListField(child=serializers.CharField(), required=False),
    },
)


class SecondFactorRequired(exceptions.PermissionDenied):
    default_code = CODE

    def __init__(self, user: User) -> None:
        super().__init__(detail={"detail": REQUIRED_MESSAGE, "code": CODE})
        # For the access log: DRF forgets the user of a request whose authentication raised.
        self.user = user


class SecondFactorTokenAuthentication(TokenAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        found = super().authenticate(request)
        if found is not None and factor_required(found[0]) and not has_factor(found[0]):
            raise SecondFactorRequired(found[0])
        return found


class SecondFactorSessionAuthentication(SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        found = super().authenticate(request)
        if found is not None and owes_factor(found[0]):
            raise SecondFactorRequired(found[0])
        return found


class SecondFactorSessionScheme(SessionScheme):  # type: ignore[no-untyped-call]  # registers itself; untyped in drf-spectacular
    """The OpenAPI schema's cookie authentication, for the session class above."""

    target_class = "schakelpunt.second_factor_api.SecondFactorSessionAuthentication"


def token_login_refusal(request: Request, user: User) -> Response | None:
    """Why the token login of ``user`` (whose password was right) is refused, or None to issue it.

    A user with a second factor gives its code as ``otp`` (400 naming ``otp``
    when missing or wrong; a wrong code counts as a failed login for the
    lockout). A user who must have a factor but has none gets 403 with the
    code ``second_factor_required``.
    """
    otp = request.data.get("otp") if isinstance(request.data, dict) else None
    otp = otp if isinstance(otp, str) else ""
    if not has_factor(user):
        if factor_required(user):
            return Response({"otp": [str(NOT_ENROLLED)], "code": CODE}, status=status.HTTP_403_FORBIDDEN)
        return None
    if not otp.strip():
        return Response({"otp": [str(NO_CODE)]}, status=status.HTTP_400_BAD_REQUEST)
    if verify_code(user, otp) is None:
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )
        return Response({"otp": [str(WRONG_CODE)]}, status=status.HTTP_400_BAD_REQUEST)
    return None
