from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from audit.api import CSVRenderer
from coordination.api_access import actor_of, role_permission
from coordination.models import Role
from helpers.parsers import MultiPartParser
from helpers.spreadsheet import GuardedWriter

from . import bulk, bulk_files, figures, selectors, services
from .allowed import allowed_codes, allowed_types
from .serializers import (
    BulkProgressSerializer,
    PartnerSignalSerializer,
    SignalInputSerializer,
    SignalReceiptSerializer,
    receipt,
    validate_signal,
)


class SignalListCreateApi(GenericAPIView[Any]):
    permission_classes = [role_permission(Role.PARTNER)]
    serializer_class = SignalInputSerializer

    @extend_schema(responses=PartnerSignalSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.signals_for_partner(actor_of(request)))
        items = list(page or [])
        selectors.log_partner_list(actor=actor_of(request), count=len(items))
        return self.get_paginated_response(PartnerSignalSerializer(items, many=True).data)

    @extend_schema(
        request=SignalInputSerializer,
        responses={
            201: SignalReceiptSerializer,
            409: OpenApiResponse(
                description="The partner_reference (or Idempotency-Key) was used before for other "
                "content: the error names the earlier signal's reference; nothing is filed."
            ),
        },
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        data = validate_signal(request.data, allowed_types=allowed_codes(actor.organisation))
        key = (request.headers.get("Idempotency-Key") or "").strip()[:200] or None
        filing = services.file_signal(actor=actor, data=data, idempotency_key=key)
        response = Response(receipt(filing.signal), status=status.HTTP_201_CREATED)
        if not filing.created:
            response["Idempotent-Replayed"] = "true"
        return response


class SignalDetailApi(GenericAPIView[Any]):
    permission_classes = [role_permission(Role.PARTNER)]
    serializer_class = PartnerSignalSerializer

    def get(self, request: Request, signal_id: uuid.UUID) -> Response:
        signal = selectors.read_partner_signal_logged(actor=actor_of(request), signal_id=signal_id)
        return Response(PartnerSignalSerializer(signal).data)


class BulkUploadApi(GenericAPIView[Any]):
    """Upload a CSV or JSON-lines file of signals; it is processed in the background."""

    permission_classes = [role_permission(Role.PARTNER)]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        responses={202: inline_serializer("BulkAccepted", {"id": serializers.UUIDField()})},
    )
    def post(self, request: Request) -> Response:
        stored = bulk.receive_file(actor=actor_of(request), file=request.FILES.get("file"))
        return Response({"id": str(stored.id)}, status=status.HTTP_202_ACCEPTED)


class BulkUploadDetailApi(GenericAPIView[Any]):
    """An upload's progress; ``errors`` holds one page of refused rows (``?page=``, links in
    ``errors_next`` / ``errors_previous``)."""

    permission_classes = [role_permission(Role.PARTNER)]

    @extend_schema(
        responses=BulkProgressSerializer,
        parameters=[OpenApiParameter("page", int, OpenApiParameter.QUERY, required=False)],
    )
    def get(self, request: Request, upload_id: uuid.UUID) -> Response:
        upload = bulk.upload_for(actor_of(request), upload_id)
        raw = request.query_params.get("page", "1")
        if not raw.isdigit() or len(raw) > 9:
            raise exceptions.ValidationError({"page": [_("Geef een paginanummer.")]})
        progress = bulk.read_progress(upload, page=int(raw))
        url = request.build_absolute_uri()
        page, pages = progress["errors_page"], progress["errors_pages"]
        progress["errors_next"] = replace_query_param(url, "page", page + 1) if page < pages else None
        progress["errors_previous"] = replace_query_param(url, "page", page - 1) if page > 1 else None
        return Response(progress)


class _AnyAccept(BaseContentNegotiation):
    """The file endpoints answer their file, and their errors as JSON, whatever ``Accept`` asks."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type


def _download(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class BulkTemplateApi(GenericAPIView[Any]):
    """A file to start from: the columns, and one example row of a type this organisation may
    file (``template.csv``: UTF-8 with BOM, ``;`` between fields; ``template.xlsx``: the same,
    with a sheet that explains the columns and lists the organisation's signal types)."""

    permission_classes = [role_permission(Role.PARTNER)]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _AnyAccept
    kind = "csv"

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="template.csv"),
            (200, bulk_files.XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="template.xlsx"),
        }
    )
    def get(self, request: Request) -> HttpResponse:
        actor = actor_of(request)
        kinds = list(allowed_types(actor.organisation).values()) if actor.organisation is not None else []
        if self.kind == "xlsx":
            return _download(bulk_files.template_xlsx(kinds), bulk_files.XLSX_TYPE, "sjabloon-signalen.xlsx")
        return _download(bulk_files.template_csv(kinds), bulk_files.CSV_TYPE, "sjabloon-signalen.csv")


class BulkErrorsApi(GenericAPIView[Any]):
    """An upload's refused lines as CSV (line, column, message; UTF-8 with BOM, ``;``), to put
    right in the file and upload again. No values from the file: only where and what."""

    permission_classes = [role_permission(Role.PARTNER)]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _AnyAccept

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="errors.csv")})
    def get(self, request: Request, upload_id: uuid.UUID) -> HttpResponse:
        upload = bulk.upload_for(actor_of(request), upload_id)
        return _download(bulk_files.errors_csv(upload), bulk_files.CSV_TYPE, "geweigerde-regels.csv")


class FiguresApi(GenericAPIView[Any]):
    """Anonymous management figures; counts under 5 are suppressed. ``?format=csv`` for signals per month."""

    permission_classes = [role_permission(Role.TRIAGE, Role.COORDINATOR, Role.ADMIN, Role.AUDITOR)]
    # Without a renderer for it DRF answers ?format=csv with 404 before the view runs.
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    @extend_schema(responses=inline_serializer("Figures", {"signals_per_month": serializers.ListField()}))
    def get(self, request: Request) -> Response | HttpResponse:
        per_month = figures.signals_per_month()
        if request.query_params.get("format") == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="signalen-per-maand.csv"'
            # District names are typed by the administrator: no formula reaches a spreadsheet.
            writer = GuardedWriter(response)
            writer.writerow(["month", "type", "district", "count"])
            for row in per_month:
                writer.writerow([row["month"], row["type"], row["district"], row["count"] or "<5"])
            return response
        return Response(
            {
                "signals_per_month": per_month,
                "outcomes": figures.outcomes(),
                "reach": figures.reach(),
                "deadline_compliance": figures.deadline_compliance(),
                "repeat_and_multiple": figures.repeat_and_multiple(),
            }
        )
