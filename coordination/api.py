from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import record
from schakelpunt.api import role_permission

from .models import Role, Team
from .serializers import TeamSerializer


class ObtainTokenApi(APIView):
    """Exchange a username and password for an API token (partner systems)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=AuthTokenSerializer,
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request: Request) -> Response:
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
        teams = Team.objects.prefetch_related("members").order_by("name")
        return Response(TeamSerializer(teams, many=True).data)
