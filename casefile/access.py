"""Break-the-glass without the URL: the reason goes in a request body (``cases.access``).

``POST /api/v1/cases/{id}/access/`` ``{reason}`` grants the caller a while of
logged, read-only access to that one case and answers with the case file; the
case page, where it would otherwise say "not found", offers the same as a form
to triage officers and coordinators.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from cases import access
from coordination.api_access import actor_of, role_permission
from coordination.models import Role
from coordination.web_access import actor_of as web_actor_of
from coordination.web_access import role_required
from helpers.errors import Conflict
from helpers.forms import FormField, WebForm, django_errors, flatten_errors
from helpers.serializers import StrictSerializer

from .api import detail_response
from .serializers import CaseDetailSerializer

BREAK_GLASS_ROLES = (Role.TRIAGE, Role.COORDINATOR)


class AccessInputSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=access.REASON_MAX_LENGTH)


class CaseAccessApi(GenericAPIView[Any]):
    """Open a case outside your own work for a while, giving a reason (break the glass)."""

    permission_classes = [role_permission(*BREAK_GLASS_ROLES)]
    serializer_class = AccessInputSerializer

    @extend_schema(request=AccessInputSerializer, responses={200: CaseDetailSerializer})
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        body = AccessInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        access.grant_access(actor=actor_of(request), case_id=case_id, reason=body.validated_data["reason"])
        return detail_response(request, case_id)


def reason_form() -> WebForm:
    return WebForm(
        "break-glass",
        [
            FormField(
                "reason",
                _("Reden"),
                kind="textarea",
                required=True,
                hint=_(
                    "Waarom moet u deze casus nu inzien? Noem geen namen of andere persoonsgegevens "
                    "als dat niet nodig is."
                ),
            )
        ],
    )


def not_yours_page(
    request: HttpRequest, case_id: uuid.UUID, form: WebForm | None = None, status: int = 404
) -> HttpResponse:
    """What the case page says instead of "not found" to those who may break the glass.

    The same for a case that does not exist: the answer stays 404 until a reason is given.
    """
    context: dict[str, Any] = {
        "case_id": case_id,
        "form": form or reason_form(),
        "minutes": access.minutes(),
    }
    return render(request, "cases/break_glass.html", context, status=status)


@require_POST
@role_required(*BREAK_GLASS_ROLES)
def case_access(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    form = reason_form().bind(request.POST)
    body = AccessInputSerializer(data={"reason": form["reason"].value})
    if not body.is_valid():
        form.add_errors(flatten_errors(body.errors))
        return not_yours_page(request, case_id, form, status=400)
    try:
        access.grant_access(
            actor=web_actor_of(request), case_id=case_id, reason=body.validated_data["reason"]
        )
    except DjangoValidationError as exc:
        form.add_errors(django_errors(exc))
        return not_yours_page(request, case_id, form, status=400)
    except Conflict:
        pass  # already theirs: the case page opens as it is
    else:
        messages.info(
            request,
            _("U heeft %(minutes)s minuten inzage in deze casus. Deze inzage is vastgelegd.")
            % {"minutes": access.minutes()},
        )
    return redirect(reverse("cases_web:detail", kwargs={"case_id": case_id}))
