"""Auditor API: browse and export the access log, verify its integrity.

Only the ``auditor`` role gets in, and it sees log fields only — never case
content. Every auditor query is itself logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from coordination.api_access import actor_of, role_permission
from coordination.models import Role, User
from helpers import paging

from . import selectors, subjects, verification
from .export import FIELDS, csv_cell, csv_response, viewer_csv_response
from .labels import action_label, role_label
from .letter import letter_pdf
from .models import AccessEvent, EventType
from .selectors import COUNT_CAP
from .services import record

IsAuditor = role_permission(Role.AUDITOR)

if TYPE_CHECKING:
    _FieldBase = serializers.Field[Any, Any, Any, Any]
    _SerializerBase = serializers.Serializer[Any]
    _ModelSerializerBase = serializers.ModelSerializer[AccessEvent]
    _ListViewBase = generics.GenericAPIView[AccessEvent]
else:  # generic only in the stubs
    _FieldBase = serializers.Field
    _SerializerBase = serializers.Serializer
    _ModelSerializerBase = serializers.ModelSerializer
    _ListViewBase = generics.GenericAPIView


class AccessEventSerializer(_ModelSerializerBase):
    detail = serializers.JSONField(read_only=True)

    class Meta:
        model = AccessEvent
        fields = FIELDS
        read_only_fields = FIELDS


class Moment(_FieldBase):
    """A date (``2025-01-31``) or an ISO 8601 date-time; without an offset it is Dutch local time.

    With ``end=True`` the value is the exclusive end of a period: a date
    becomes the start of the next day, so ``until=2025-01-31`` includes that
    whole day; a date-time includes that very moment.
    """

    default_error_messages = {"invalid": _("Gebruik een datum (JJJJ-MM-DD) of een ISO 8601-tijdstip.")}

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


class UserField(_FieldBase):
    """A user by id or by username (as the log shows it)."""

    default_error_messages = {"unknown": _("Er is geen gebruiker met deze gebruikersnaam of dit id.")}

    def to_internal_value(self, data: Any) -> int:
        text = str(data).strip()
        # An id the id column can hold (a longer number is no id, and the database would refuse it).
        as_id = int(text) if text.isdigit() and 0 < int(text) < 2**63 else None
        users = User.objects.filter(pk=as_id) if as_id is not None else User.objects.filter(username=text)
        found: int | None = users.values_list("pk", flat=True).first()
        if found is None:
            if as_id is not None:
                return as_id  # a user who has left still has entries under their id
            self.fail("unknown")
        return found

    def to_representation(self, value: int) -> int:
        return value


class CaseField(_FieldBase):
    """A case by its reference (``C-…``), a signal's reference (``S-…``: its case) or its id."""

    default_error_messages = {"unknown": _("Er is geen casus of signaal met deze referentie.")}

    def to_internal_value(self, data: Any) -> UUID:
        text = str(data).strip()
        try:
            return UUID(text)
        except ValueError:
            pass
        found = subjects.case_by_reference(text) if 0 < len(text) <= 16 else None
        if found is None:
            self.fail("unknown")
        return found

    def to_representation(self, value: UUID) -> str:
        return str(value)


class EventQuery(_SerializerBase):
    """The auditor's filters, from the query string."""

    user = UserField(required=False, help_text="Gebruiker: gebruikersnaam of id")
    case = CaseField(required=False, help_text="Casus: referentie (C-…), signaalreferentie (S-…) of id")
    subject = serializers.UUIDField(required=False, help_text="Huishouden (pseudoniem id): wie zag het?")
    action = serializers.CharField(required=False, max_length=200, help_text="Actie, bv. case.read")
    event_type = serializers.ChoiceField(choices=EventType.choices, required=False)
    since = Moment(required=False, help_text="Vanaf (datum of tijdstip, inclusief)")
    until = Moment(required=False, end=True, help_text="Tot en met (datum of tijdstip)")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "subject" in attrs:
            subject = attrs["subject"] = str(attrs["subject"])
            attrs["subject_cases"] = [ref.id for ref in subjects.cases_of([subject]).get(subject, [])]
        return attrs


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


PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def _page_size(request: Request) -> int:
    try:
        return max(1, min(int(request.query_params.get("page_size", PAGE_SIZE)), MAX_PAGE_SIZE))
    except ValueError:
        return PAGE_SIZE


def _place(request: Request) -> dict[str, Any]:
    """Where the page starts: after ``cursor``, before ``before``, or the oldest (``last``)."""
    try:
        if request.query_params.get("cursor"):
            return {"after": selectors.decode(request.query_params["cursor"])}
        if request.query_params.get("before"):
            return {"before": selectors.decode(request.query_params["before"])}
    except paging.InvalidCursor as exc:
        raise serializers.ValidationError({"cursor": [_("Ongeldige cursor.")]}) from exc
    return {"last": request.query_params.get("last") in ("1", "true")}


_EVENT_PARAMETERS = [
    OpenApiParameter("user", OpenApiTypes.STR, description="Gebruiker: gebruikersnaam of id"),
    OpenApiParameter(
        "case", OpenApiTypes.STR, description="Casus: referentie (C-…), signaalreferentie (S-…) of id"
    ),
    OpenApiParameter("subject", OpenApiTypes.UUID, description="Huishouden (pseudoniem id)"),
    OpenApiParameter("action", OpenApiTypes.STR, description="Actie, bv. case.read"),
    OpenApiParameter("event_type", OpenApiTypes.STR, enum=EventType.values),
    OpenApiParameter("since", OpenApiTypes.STR, description="Vanaf: datum of ISO 8601-tijdstip (inclusief)"),
    OpenApiParameter("until", OpenApiTypes.STR, description="Tot en met: datum of ISO 8601-tijdstip"),
    OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="csv: export als bestand"),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="From the previous page's `next` link."),
    OpenApiParameter("before", OpenApiTypes.STR, description="From the next page's `previous` link."),
    OpenApiParameter("last", OpenApiTypes.BOOL, description="The oldest entries."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description=f"1 to {MAX_PAGE_SIZE}, default {PAGE_SIZE}"),
]


class EventRowSerializer(AccessEventSerializer):
    """An entry as the list shows it (for the schema): its log fields and two aids."""

    case_reference = serializers.CharField(help_text="the case's reference, when the entry names a case")
    action_label = serializers.CharField(help_text="the action in words, in the request's language")

    class Meta(AccessEventSerializer.Meta):
        fields = [*FIELDS, "case_reference", "action_label"]
        read_only_fields = fields


class EventPageSerializer(_SerializerBase):
    count = serializers.IntegerField(help_text=f"exact up to {COUNT_CAP}; above it {COUNT_CAP + 1}")
    count_exact = serializers.BooleanField()
    next = serializers.URLField(allow_null=True, help_text="older entries")
    previous = serializers.URLField(allow_null=True, help_text="newer entries")
    results = EventRowSerializer(many=True)


class EventListView(_ListViewBase):
    """The access log, newest first, filtered by user, case, action, type and period.

    ``?format=csv`` (or ``Accept: text/csv``) streams the whole filtered set as a CSV file.
    """

    permission_classes = [IsAuditor]
    serializer_class = AccessEventSerializer
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    @extend_schema(
        tags=["audit"],
        operation_id="audit_events_list",
        parameters=_EVENT_PARAMETERS,
        responses={
            (200, "application/json"): EventPageSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    def get(self, request: Request) -> Response | StreamingHttpResponse:
        query = EventQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        events = selectors.events(**filters)
        logged = selectors.logged_filters(filters)

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

        page = selectors.page_of(events, size=_page_size(request), **_place(request))
        count = selectors.capped_count(events)
        references = subjects.references(event.case_id for event in page.rows)
        data = [
            {
                **row,
                # Beside the codes: the case's reference and the action in words.
                "case_reference": references.get(event.case_id, "") if event.case_id else "",
                "action_label": action_label(event.action),
            }
            for event, row in zip(page.rows, self.get_serializer(page.rows, many=True).data, strict=True)
        ]
        # Fetched but not yet served: the entry must be written first.
        record(
            actor=request.user,
            event_type="read",
            action="audit.events.list",
            object_type="access_log",
            detail={**logged, "rows": len(data)},
        )
        url = request.build_absolute_uri()

        next_cursor, previous_cursor = page.next_cursor(), page.previous_cursor()
        return Response(
            {
                "count": min(count, selectors.COUNT_CAP + 1),
                "count_exact": count <= selectors.COUNT_CAP,
                "next": _link(url, cursor=next_cursor) if next_cursor else None,
                "previous": _link(url, before=previous_cursor) if previous_cursor else None,
                "results": data,
            }
        )


def _link(url: str, **place: str) -> str:
    """``url`` with its paging parameters replaced by ``place``."""
    for name in ("cursor", "before", "last"):
        url = remove_query_param(url, name)
    for name, value in place.items():
        url = replace_query_param(url, name, value)
    return url


class VerificationRunSerializer(_SerializerBase):
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


class LatestVerificationSerializer(_SerializerBase):
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


class SubjectQuery(_SerializerBase):
    """How to find a household: exactly one of a BSN, a case reference or a signal reference."""

    bsn = serializers.CharField(
        required=False, max_length=20, help_text="BSN of a resident (not stored or logged)"
    )
    case = serializers.CharField(required=False, max_length=16, help_text="Case reference, e.g. C-WV5U-P777")
    signal = serializers.CharField(required=False, max_length=16, help_text="Signal reference, e.g. S-…")

    default_error_messages = {
        "one": _("Zoek op precies één van: bsn, case of signal."),
    }

    def validate_bsn(self, value: str) -> str:
        normalised = subjects.normalise_bsn(value)
        if normalised is None:
            raise serializers.ValidationError(_("Een BSN heeft negen cijfers."))
        return normalised

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = {name: value for name, value in attrs.items() if value}
        if len(given) != 1:
            self.fail("one")
        return {name: str(value).strip().upper() if name != "bsn" else value for name, value in given.items()}


class FoundSerializer(_SerializerBase):
    subject_id = serializers.CharField(help_text="the household's pseudonymous id")
    cases = serializers.ListField(child=serializers.CharField(), help_text="its cases' references")


class CaseRefSerializer(_SerializerBase):
    id = serializers.UUIDField()
    reference = serializers.CharField()


class ViewerSerializer(_SerializerBase):
    user_id = serializers.IntegerField(allow_null=True)
    username = serializers.CharField()
    user_name = serializers.CharField()
    role = serializers.CharField()
    role_label = serializers.CharField()
    organisation = serializers.CharField()
    first_access = serializers.DateTimeField(source="first")
    last_access = serializers.DateTimeField(source="last")
    count = serializers.IntegerField()
    denied = serializers.IntegerField(help_text="refused attempts among them")
    actions = serializers.ListField(child=serializers.CharField(), help_text="action codes")
    action_labels = serializers.ListField(child=serializers.CharField())
    break_glass_reasons = serializers.ListField(child=serializers.CharField(), source="reasons")
    entries = serializers.CharField(help_text="the entries behind this line")


class SummarySerializer(_SerializerBase):
    subject_id = serializers.CharField()
    cases = CaseRefSerializer(many=True)
    viewers = ViewerSerializer(many=True)


class SubjectListView(APIView):
    """Find households by what an auditor has: ``?bsn=``, ``?case=<reference>`` or
    ``?signal=<reference>``. A BSN finds every household it ever matched,
    erased ones included. The search is logged, the BSN never."""

    permission_classes = [IsAuditor]

    @extend_schema(
        tags=["audit"],
        operation_id="audit_subjects_find",
        parameters=[
            OpenApiParameter("bsn", OpenApiTypes.STR),
            OpenApiParameter("case", OpenApiTypes.STR, description="case reference"),
            OpenApiParameter("signal", OpenApiTypes.STR, description="signal reference"),
        ],
        responses=FoundSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return self._find(request, request.query_params)

    @extend_schema(
        tags=["audit"],
        operation_id="audit_subjects_find_by_body",
        request=SubjectQuery,
        responses=FoundSerializer(many=True),
        description="The same search with the key in the body, so a BSN stays out of URLs and access logs.",
    )
    def post(self, request: Request) -> Response:
        return self._find(request, request.data)

    def _find(self, request: Request, data: Any) -> Response:
        query = SubjectQuery(data=data)
        query.is_valid(raise_exception=True)
        found = subjects.find(actor=actor_of(request), via="api", **query.validated_data)
        return Response(
            FoundSerializer(
                [{"subject_id": f.subject_id, "cases": [ref.reference for ref in f.cases]} for f in found],
                many=True,
            ).data
        )


def _logged_summary(request: Request, subject_id: UUID, action: str, event_type: str) -> subjects.Summary:
    summary = subjects.summary(str(subject_id))
    if summary is None:
        raise Http404
    record(
        actor=actor_of(request),
        event_type=event_type,
        action=action,
        object_type="subject",
        object_id=summary.subject_id,
        detail={"people": len(summary.viewers)},
    )
    return summary


class SubjectDetailView(APIView):
    """Who saw this household: per person and role, first and last access, how
    often, which actions, break-the-glass reasons in full, refused attempts.
    ``?format=csv`` exports it; each line's ``entries`` lists the entries behind it."""

    permission_classes = [IsAuditor]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    @extend_schema(
        tags=["audit"],
        operation_id="audit_subject",
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"])],
        responses={(200, "application/json"): SummarySerializer, (200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request: Request, subject_id: UUID) -> Response | HttpResponse:
        if getattr(request.accepted_renderer, "format", None) == "csv":
            summary = _logged_summary(request, subject_id, "audit.subjects.export", "export")
            return viewer_csv_response(summary.subject_id, summary.viewers)
        summary = _logged_summary(request, subject_id, "audit.subjects.read", "read")
        events_url = request.build_absolute_uri(reverse("audit-events"))
        viewers = [
            {
                **vars(viewer),
                "role_label": role_label(viewer.role),
                "action_labels": [action_label(action) for action in viewer.actions],
                "entries": replace_query_param(
                    replace_query_param(events_url, "subject", summary.subject_id),
                    "user",
                    viewer.user_id or "",
                )
                if viewer.user_id
                else replace_query_param(events_url, "subject", summary.subject_id),
            }
            for viewer in summary.viewers
        ]
        return Response(
            SummarySerializer(
                {"subject_id": summary.subject_id, "cases": summary.cases, "viewers": viewers}
            ).data
        )


class PDFRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return data if isinstance(data, bytes) else str(data or "").encode()


class SubjectLetterView(APIView):
    """The letter that answers a resident's request (AVG art. 15), as PDF, in plain Dutch:
    organisations and roles that saw the household's data, when and why. Logged."""

    permission_classes = [IsAuditor]
    renderer_classes = [JSONRenderer, PDFRenderer]

    @extend_schema(
        tags=["audit"], operation_id="audit_subject_letter", responses={(200, "application/pdf"): bytes}
    )
    def get(self, request: Request, subject_id: UUID) -> HttpResponse:
        summary = _logged_summary(request, subject_id, "audit.subjects.letter", "export")
        response = HttpResponse(
            letter_pdf(cases=summary.cases, viewers=summary.viewers), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="inzage-{summary.subject_id[:8]}.pdf"'
        return response
