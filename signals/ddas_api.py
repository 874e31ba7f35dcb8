"""``GET /api/v1/ddas/``: the delivery to the national monitor (DDAS v1.2), for the monitor role only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from coordination.api_access import actor_of, role_permission
from coordination.models import Role
from helpers.serializers import StrictSerializer

from .ddas_export import build_export

if TYPE_CHECKING:
    _ViewBase = GenericAPIView[Any]
else:
    _ViewBase = GenericAPIView


class PeriodSerializer(StrictSerializer):
    start = serializers.DateField(input_formats=["%Y-%m-%d"])
    end = serializers.DateField(input_formats=["%Y-%m-%d"])


class DdasExportApi(_ViewBase):
    """One DDAS "Uitwisselmodel Vroegsignalering" v1.2 document for the period (both days included).

    Only the ``monitor`` role; every other role, the administrator too, gets 403.
    The document holds personal data (BSN, or postcode and house number): each
    household in it is written to the access log (``ddas.export``). Its JSON
    Schema is ``signals/ddas_schema.json`` in the source.
    """

    permission_classes = [role_permission(Role.MONITOR)]

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True, description="First day, YYYY-MM-DD."),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True, description="Last day, YYYY-MM-DD."),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        period = PeriodSerializer(data=request.query_params.dict())
        period.is_valid(raise_exception=True)
        document = build_export(
            actor=actor_of(request), start=period.validated_data["start"], end=period.validated_data["end"]
        )
        return Response(document)
