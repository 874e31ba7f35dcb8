from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import record
from schakelpunt.api import role_permission

from .auth import LOCKED_MESSAGE, is_locked_out, lockout_window, record_locked_attempt
from .models import Role, Team, User
from .serializers import TeamSerializer


class ObtainTokenApi(APIView):
    """Exchange a username and password for an API token (partner systems).

    The same lockout as the login page (``coordination.auth``), counted over
    both: after five failed attempts in a row on a name it is refused with 429
    for 15 minutes, even with the right password, and each refused attempt is
    logged as a failed login.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            429: inline_serializer("TokenLocked", {"detail": serializers.CharField()}),
        },
    )
    def post(self, request: Request) -> Response:
        username = request.data.get("username") if isinstance(request.data, dict) else None
        if isinstance(username, str) and is_locked_out(username):
            # Checked before the password: a locked name gives no hint whether it was right.
            record_locked_attempt(username)
            return Response(
                {"detail": str(LOCKED_MESSAGE)},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(int(lockout_window().total_seconds()))},
            )
        # A wrong password raises a validation error (400) after Django's
        # user_login_failed signal has written the failed-login entry.
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        record(actor=user, event_type="login", action="login", detail={"method": "token"})
        return Response({"token": token.key})


class TeamListApi(APIView):
    """District teams and their members: whom a case can be referred or assigned to."""

    permission_classes = [role_permission(Role.TRIAGE, Role.COORDINATOR)]

    @extend_schema(responses=TeamSerializer(many=True))
    def get(self, request: Request) -> Response:
        members = Prefetch("members", queryset=User.objects.with_roles())
        teams = Team.objects.prefetch_related(members).order_by("name")
        return Response(TeamSerializer(teams, many=True).data)
