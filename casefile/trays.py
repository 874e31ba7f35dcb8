"""The work trays with their counts (``GET /api/v1/trays/``): the intake's tabs as an API.

A tray's cases are the case list filtered by it (``GET /api/v1/cases/?tray=<id>``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from cases import trays
from coordination.api_access import actor_of, role_permission
from coordination.models import CASE_ROLES

from .serializers import TraySerializer


class TrayListApi(GenericAPIView[Any]):
    permission_classes = [role_permission(*CASE_ROLES)]
    serializer_class = TraySerializer
    pagination_class = None

    @extend_schema(operation_id="v1_trays_list", responses=TraySerializer(many=True))
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        counts = trays.tray_counts(actor)
        trays.log_tray_read(actor=actor, count=len(counts))
        return Response(TraySerializer(counts, many=True).data)
