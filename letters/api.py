"""The letters API: templates, one letter for a case as a PDF, print runs."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from coordination.api_access import actor_of, role_permission

from . import selectors, services
from .serializers import RunInputSerializer, RunProgressSerializer, TemplateSerializer, TrayRunInputSerializer

PDF_TYPE = "application/pdf"
_CONFLICT = OpenApiResponse(
    description="Nu niet: de casus staat in een status zonder contactpogingen, "
    "of de printrun is nog niet klaar of bevat geen brieven."
)


class _AnyAccept(BaseContentNegotiation):
    """The PDF endpoints answer their PDF, and their errors as JSON, whatever ``Accept`` asks."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=PDF_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class TemplateListApi(GenericAPIView[Any]):
    """The active letter templates."""

    permission_classes = [role_permission(*selectors.TEMPLATE_ROLES)]
    serializer_class = TemplateSerializer
    pagination_class = None

    @extend_schema(responses=TemplateSerializer(many=True))
    def get(self, request: Request) -> Response:
        templates = selectors.templates_for(actor_of(request))
        return Response(TemplateSerializer(templates, many=True).data)


class CaseLetterApi(GenericAPIView[Any]):
    """The letter for the case's household as a PDF; recorded as a contact attempt by letter."""

    permission_classes = [role_permission(*selectors.LETTER_ROLES)]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _AnyAccept

    @extend_schema(
        operation_id="v1_cases_letters_retrieve",
        responses={
            (200, PDF_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The letter."),
            409: _CONFLICT,
        },
    )
    def get(self, request: Request, case_id: uuid.UUID, template_id: int) -> HttpResponse:
        case, content = services.case_letter(
            actor=actor_of(request), case_id=case_id, template_id=template_id
        )
        return pdf_response(content, f"brief-{case.reference}.pdf")


class RunCreateApi(GenericAPIView[Any]):
    """Start a print run: one PDF with a letter for each listed case that has had none yet."""

    permission_classes = [role_permission(*selectors.LETTER_ROLES)]
    serializer_class = RunInputSerializer

    @extend_schema(request=RunInputSerializer, responses={202: RunProgressSerializer})
    def post(self, request: Request) -> Response:
        body = RunInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actor = actor_of(request)
        try:
            template = selectors.template_for(actor, body.validated_data["template"])
        except Http404:
            raise ValidationError({"template": [_("Dit sjabloon bestaat niet.")]}) from None
        run = services.start_print_run(actor=actor, template=template, cases=body.validated_data["cases"])
        run = selectors.run_for(actor, run.pk)
        return Response(selectors.progress(run), status=status.HTTP_202_ACCEPTED)


class TrayRunApi(GenericAPIView[Any]):
    """A print run for a work tray: a letter for each of its cases that has had none yet."""

    permission_classes = [role_permission(*selectors.LETTER_ROLES)]
    serializer_class = TrayRunInputSerializer

    @extend_schema(request=TrayRunInputSerializer, responses={202: RunProgressSerializer})
    def post(self, request: Request, tray_id: int) -> Response:
        body = TrayRunInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actor = actor_of(request)
        try:
            template = selectors.template_for(actor, body.validated_data["template"])
        except Http404:
            raise ValidationError({"template": [_("Dit sjabloon bestaat niet.")]}) from None
        run = services.start_tray_print_run(actor=actor, template=template, tray_id=tray_id)
        run = selectors.run_for(actor, run.pk)
        return Response(selectors.progress(run), status=status.HTTP_202_ACCEPTED)


class RunDetailApi(GenericAPIView[Any]):
    """A print run's progress, with the cases that could not get a letter and why."""

    permission_classes = [role_permission(*selectors.LETTER_ROLES)]

    @extend_schema(responses=RunProgressSerializer)
    def get(self, request: Request, run_id: uuid.UUID) -> Response:
        return Response(selectors.progress(selectors.run_for(actor_of(request), run_id)))


class RunPdfApi(GenericAPIView[Any]):
    """The print run's PDF once it is done; a read of every household in it."""

    permission_classes = [role_permission(*selectors.LETTER_ROLES)]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _AnyAccept

    @extend_schema(
        responses={
            (200, PDF_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The letters."),
            409: _CONFLICT,
        }
    )
    def get(self, request: Request, run_id: uuid.UUID) -> HttpResponse:
        run, content = services.run_pdf(actor=actor_of(request), run_id=run_id)
        return pdf_response(content, f"brieven-{run.created_at:%Y%m%d-%H%M}.pdf")
