"""The webhooks API: a partner organisation's endpoints and their delivery log."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from coordination.api_access import actor_of, role_permission
from coordination.models import Role
from helpers.serializers import StrictSerializer

from . import webhooks
from .models import Webhook, WebhookDelivery

# The secret is in the answer once: no cache may keep it.
NO_STORE = {"Cache-Control": "no-store"}


class WebhookSerializer(serializers.ModelSerializer[Webhook]):
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = Webhook
        fields: tuple[str, ...] = ("id", "url", "created_at", "created_by")


class NewWebhookSerializer(StrictSerializer):
    url = serializers.CharField(
        max_length=500,
        help_text="A public https:// address (in debug mode also http://127.0.0.1).",
    )


class IssuedWebhookSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="whsec_ + base64 of the signing key; shown only in this answer.",
    )

    class Meta(WebhookSerializer.Meta):
        fields = (*WebhookSerializer.Meta.fields, "secret")


class DeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    signal = serializers.UUIDField(source="signal.id", read_only=True)
    signal_reference = serializers.CharField(source="signal.reference", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = (
            "id",
            "event",
            "signal",
            "signal_reference",
            "status",
            "status_changed_at",
            "state",
            "created_at",
            "attempts",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
            "response_status",
            "last_error",
        )


class WebhookListCreateApi(GenericAPIView[Any]):
    """Your organisation's webhooks; the secret is shown once, when one is registered."""

    permission_classes = [role_permission(Role.PARTNER)]
    serializer_class = WebhookSerializer
    pagination_class = None

    @extend_schema(responses=WebhookSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(WebhookSerializer(webhooks.webhooks_for(actor_of(request)), many=True).data)

    @extend_schema(request=NewWebhookSerializer, responses={201: IssuedWebhookSerializer})
    def post(self, request: Request) -> Response:
        given = NewWebhookSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        webhook, secret = webhooks.register(actor=actor_of(request), url=given.validated_data["url"])
        data: dict[str, Any] = dict(WebhookSerializer(webhook).data)
        data["secret"] = secret
        return Response(data, status=status.HTTP_201_CREATED, headers=NO_STORE)


class WebhookDetailApi(GenericAPIView[Any]):
    permission_classes = [role_permission(Role.PARTNER)]
    serializer_class = WebhookSerializer

    def get(self, request: Request, webhook_id: uuid.UUID) -> Response:
        return Response(WebhookSerializer(webhooks.webhook_for(actor_of(request), webhook_id)).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, webhook_id: uuid.UUID) -> Response:
        request.data  # noqa: B018  (a body that cannot be parsed is refused, as anywhere else)
        webhooks.remove(actor=actor_of(request), webhook_id=webhook_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveriesApi(GenericAPIView[Any]):
    """The endpoint's delivery log, newest first: each event, its attempts and its outcome."""

    permission_classes = [role_permission(Role.PARTNER)]
    serializer_class = DeliverySerializer

    @extend_schema(responses=DeliverySerializer(many=True))
    def get(self, request: Request, webhook_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        items = list(self.paginate_queryset(webhooks.deliveries_for(actor, webhook_id)) or [])
        webhooks.log_deliveries_read(actor=actor, webhook_id=webhook_id, count=len(items))
        return self.get_paginated_response(DeliverySerializer(items, many=True).data)
