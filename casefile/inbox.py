"""Told on screen: the notifications a user is sent, as an API and a page (``cases.inbox``).

Each shows what kind of news it is and the case's reference, with a link to
the case; never personal data.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from cases import inbox
from cases.models import Notification
from coordination.api_access import actor_of, role_permission
from coordination.models import CASE_ROLES
from coordination.web_access import actor_of as web_actor_of
from coordination.web_access import role_required
from helpers.serializers import StrictSerializer


class NotificationCaseSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    reference = serializers.CharField()


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    """One notification: what happened to which case, no personal data."""

    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    case = NotificationCaseSerializer()

    class Meta:
        model = Notification
        fields = ("id", "kind", "kind_label", "case", "created_at", "read_at")


_LIST = inline_serializer(
    "NotificationInbox",
    {"unread": serializers.IntegerField(), "results": NotificationSerializer(many=True)},
)


class NotificationListApi(GenericAPIView[Any]):
    """Your newest notifications (at most 100), newest first, and how many are unread."""

    permission_classes = [role_permission(*CASE_ROLES)]
    serializer_class = NotificationSerializer

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="Only the unread ones.")],
        responses={200: _LIST},
    )
    def get(self, request: Request) -> Response:
        only = serializers.BooleanField(required=False, default=False).run_validation(
            request.query_params.get("unread", False)
        )
        actor = actor_of(request)
        notes = inbox.inbox_logged(actor, unread_only=bool(only))
        return Response(
            {"unread": inbox.unread_count(actor), "results": NotificationSerializer(notes, many=True).data}
        )


class NotificationReadApi(GenericAPIView[Any]):
    """Mark one of your notifications read."""

    permission_classes = [role_permission(*CASE_ROLES)]
    serializer_class = NotificationSerializer

    @extend_schema(request=None, responses={200: NotificationSerializer})
    def post(self, request: Request, notification_id: int) -> Response:
        # No body to take: anything sent is refused rather than ignored.
        StrictSerializer(data=request.data or {}).is_valid(raise_exception=True)
        note = inbox.mark_read(actor=actor_of(request), notification_id=notification_id)
        return Response(NotificationSerializer(note).data)


@role_required(*CASE_ROLES)
def inbox_page(request: HttpRequest) -> HttpResponse:
    actor = web_actor_of(request)
    notes = inbox.inbox_logged(actor)
    return render(
        request,
        "cases/inbox.html",
        {"notes": notes, "unread": sum(1 for note in notes if note.read_at is None)},
    )


@require_POST
@role_required(*CASE_ROLES)
def inbox_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    inbox.mark_read(actor=web_actor_of(request), notification_id=notification_id)
    return redirect(reverse("cases_web:inbox"))


@require_POST
@role_required(*CASE_ROLES)
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    marked = inbox.mark_all_read(actor=web_actor_of(request))
    if marked:
        messages.success(request, _("Alle meldingen zijn gelezen."))
    return redirect(reverse("cases_web:inbox"))
