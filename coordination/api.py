from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .api_access import role_permission
from .models import Role, Team, User
from .serializers import TeamSerializer


class TeamListApi(APIView):
    """District teams and their members: whom a case can be referred or assigned to."""

    permission_classes = [role_permission(Role.TRIAGE, Role.COORDINATOR)]

    @extend_schema(responses=TeamSerializer(many=True))
    def get(self, request: Request) -> Response:
        members = Prefetch("members", queryset=User.objects.with_roles())
        teams = Team.objects.prefetch_related(members).order_by("name")
        return Response(TeamSerializer(teams, many=True).data)
