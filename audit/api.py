"""Auditor API: browse and export the access log, verify its integrity.

Only the ``auditor`` role gets in, and it sees log fields only — never case
content. Every auditor query is itself logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coordination.api_access import actor_of, role_permission
from coordination.models import Role
from helpers.serializers import RowIdField

from . import selectors, verification
from .export import FIELDS, csv_cell, csv_response
from .models import AccessEvent, EventType
from .services import record

IsAuditor = role_permission(Role.AUDITOR)


class AccessEventSerializer(serializers.ModelSerializer[AccessEvent]):
    detail = serializers.JSONField(read_only=True)

    class Meta:
        model = AccessEvent
        fields = FIELDS
        read_only_fields = FIELDS


class Moment(serializers.Field[datetime, str, str, Any]):
    """A date (``2025-01-31``) or an ISO 8601 date-time; without an offset it is Dutch local time.

    With ``end=True`` the value is the exclusive end of a period: a date
    becomes the start of the next day, so ``until=2025-01-31`` includes that
    whole day; a date-time includes that very moment.
    """

    default_error_messages = {"invalid": "Gebruik een datum (JJJJ-MM-DD) of een ISO 8601-tijdstip."}

    def __init__(self, *, end: bool = False, **kwargs: Any) -> None:
        self.end = end
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> datetime:
        text = str(data).strip()
        try:
            # Date first: datetime.fromisoformat would also take a bare date, as midnight.
            day = parse_date(text)
            if day is not None:
                moment = datetime.combine(day + timedelta(days=1) if self.end else day, time.min)
            else:
                parsed = parse_datetime(text)
                if parsed is None:
                    self.fail("invalid")
                moment = parsed + timedelta(microseconds=1) if self.end else parsed
        except ValueError:  # well-formed but impossible, e.g. 2025-02-30
            self.fail("invalid")
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


class EventQuery(serializers.Serializer[Any]):
    """The auditor's filters, from the query string."""

    user = RowIdField(required=False, help_text="Gebruiker-id")
    case = serializers.UUIDField(required=False, help_text="Casus-id: wie heeft deze casus gezien?")
    action = serializers.CharField(required=False, max_length=200, help_text="Actie, bv. case.read")
    event_type = serializers.ChoiceField(choices=EventType.choices, required=False)
    since = Moment(required=False, help_text="Vanaf (datum of tijdstip, inclusief)")
    until = Moment(required=False, end=True, help_text="Tot en met (datum of tijdstip)")


class CSVRenderer(BaseRenderer):
    """Lets ``?format=csv`` (DRF's format override) select the export.

    The export itself is streamed by the view; this renderer only renders
    what DRF renders itself in that format, i.e. error responses.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, dict):
            lines = [f"{key},{csv_cell(value)}" for key, value in data.items()]
            return ("\n".join(lines) + "\n").encode()
        return str(data or "").encode()


class EventPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


_EVENT_PARAMETERS = [
    OpenApiParameter("user", OpenApiTypes.INT, description="Gebruiker-id"),
    OpenApiParameter("case", OpenApiTypes.UUID, description="Casus-id: wie heeft deze casus gezien?"),
    OpenApiParameter("action", OpenApiTypes.STR, description="Actie, bv. case.read"),
    OpenApiParameter("event_type", OpenApiTypes.STR, enum=EventType.values),
    OpenApiParameter("since", OpenApiTypes.STR, description="Vanaf: datum of ISO 8601-tijdstip (inclusief)"),
    OpenApiParameter("until", OpenApiTypes.STR, description="Tot en met: datum of ISO 8601-tijdstip"),
    OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="csv: export als bestand"),
]


class EventListView(generics.GenericAPIView[AccessEvent]):
    """The access log, newest first, filtered by user, case, action, type and period.

    ``?format=csv`` (or ``Accept: text/csv``) streams the whole filtered set as a CSV file.
    """

    permission_classes = [IsAuditor]
    serializer_class = AccessEventSerializer
    pagination_class = EventPagination
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    @extend_schema(
        tags=["audit"],
        operation_id="audit_events_list",
        parameters=_EVENT_PARAMETERS,
        responses={
            (200, "application/json"): AccessEventSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    def get(self, request: Request) -> Response | StreamingHttpResponse:
        query = EventQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        events = selectors.events(**filters)
        logged = {"filters": {name: str(value) for name, value in filters.items()}}

        if getattr(request.accepted_renderer, "format", None) == "csv":
            # Logged before the first byte leaves: no entry, no export.
            record(
                actor=request.user,
                event_type="export",
                action="audit.events.export",
                object_type="access_log",
                detail=logged,
            )
            return csv_response(events)

        page = self.paginate_queryset(events)
        data = self.get_serializer(page, many=True).data
        # Fetched but not yet served: the entry must be written first.
        record(
            actor=request.user,
            event_type="read",
            action="audit.events.list",
            object_type="access_log",
            detail={**logged, "page": request.query_params.get("page", "1")[:10], "rows": len(data)},
        )
        return self.get_paginated_response(data)


class VerificationRunSerializer(serializers.Serializer[Any]):
    """A check's state and, once finished, its outcome (``checked`` counts up while it runs)."""

    id = serializers.UUIDField()
    # Not a ChoiceField: its enum would take the name the cases' state enum has in the schema.
    state = serializers.CharField(help_text="queued, running, finished or failed")
    ok = serializers.BooleanField(allow_null=True, help_text="null until the check has finished")
    checked = serializers.IntegerField(help_text="entries checked (so far)")
    total = serializers.IntegerField(allow_null=True, help_text="entries to check, once known")
    first_bad = serializers.IntegerField(allow_null=True)
    checkpoints = serializers.IntegerField(help_text="signed checkpoints the log was compared with")
    findings = serializers.ListField(
        child=serializers.DictField(),
        help_text="per chain the first checkpoint it no longer meets: problem (missing, changed,"
        " bad_signature, unreadable), line, chain, seq (first missing or changed entry), entry_id",
    )
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_blank=True)


class LatestVerificationSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(allow_null=True)
    ok = serializers.BooleanField(allow_null=True, help_text="null: no check has finished yet")
    checked = serializers.IntegerField()
    first_bad = serializers.IntegerField(allow_null=True)
    checkpoints = serializers.IntegerField(help_text="signed checkpoints the log was compared with")
    findings = serializers.ListField(child=serializers.DictField(), help_text="as in a check's own answer")
    checked_at = serializers.DateTimeField(allow_null=True, help_text="when that check finished")


class VerifyView(APIView):
    """The access log's integrity: the latest finished check, or start a new one.

    GET answers from the newest finished check of the whole log (started here,
    on the auditor's page, by the daily task or by ``verify_audit_log``):
    ``ok`` false means entries were altered or removed. Before any check has
    finished, ``ok`` and ``checked_at`` are null. It never runs a check itself.
    POST starts a check in the background: ``202 {id}``, then follow it at
    ``/api/v1/audit/verify/{id}/``.
    """

    permission_classes = [IsAuditor]

    @extend_schema(tags=["audit"], operation_id="audit_verify", responses=LatestVerificationSerializer)
    def get(self, request: Request) -> Response:
        run = verification.latest_finished(actor_of(request))
        latest: dict[str, Any]
        if run is None:
            latest = {
                "id": None,
                "ok": None,
                "checked": 0,
                "first_bad": None,
                "checkpoints": 0,
                "findings": [],
                "checked_at": None,
            }
        else:
            latest = {
                "id": run.id,
                "ok": run.ok,
                "checked": run.checked,
                "first_bad": run.first_bad,
                "checkpoints": run.checkpoints,
                "findings": run.findings,
                "checked_at": run.finished_at,
            }
        return Response(LatestVerificationSerializer(latest).data)

    @extend_schema(
        tags=["audit"],
        operation_id="audit_verify_start",
        request=None,
        responses={202: inline_serializer("AuditVerificationStarted", {"id": serializers.UUIDField()})},
    )
    def post(self, request: Request) -> Response:
        # The check takes no arguments, but a body is still read: one that cannot be
        # stored or parsed (a NUL, deep nesting) is refused like on every other URL.
        request.data  # noqa: B018
        run = verification.start_verification(actor=actor_of(request), via="api")
        return Response(
            {"id": str(run.id)},
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": f"{request.path}{run.id}/"},
        )


class VerifyRunView(APIView):
    """One check: ``queued``, ``running`` (``checked`` of ``total``), ``finished`` (``ok``,
    ``first_bad``) or ``failed`` (``error``: the check itself broke down, or stalled)."""

    permission_classes = [IsAuditor]

    @extend_schema(tags=["audit"], operation_id="audit_verify_run", responses=VerificationRunSerializer)
    def get(self, request: Request, run_id: UUID) -> Response:
        run = verification.run_for(actor_of(request), run_id)
        return Response(VerificationRunSerializer(verification.describe(run)).data)
