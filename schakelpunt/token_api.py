"""The API's logout, and a partner organisation's system keys (``schakelpunt.tokens``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coordination.api_access import actor_of, role_permission
from coordination.models import ApiToken, Role
from helpers.serializers import StrictSerializer

from . import tokens

NO_STORE = {"Cache-Control": "no-store"}


class LogoutApi(APIView):
    """Revoke the personal token this request carries (with a session: all the user's personal tokens).

    A system key is not revoked this way (a sending system must not end its
    own organisation's access by accident): its organisation's staff revoke it
    with ``DELETE /api/v1/system-keys/{id}/``.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        # No body is needed, but one that cannot be parsed is refused (400) like anywhere else.
        request.data  # noqa: B018
        presented = request.auth
        if isinstance(presented, ApiToken):
            if presented.kind == ApiToken.Kind.PERSONAL:
                tokens.revoke_personal_tokens(user=actor, reason="logout", only=presented.pk)
        else:
            tokens.revoke_personal_tokens(user=actor, reason="logout")
        return Response(status=status.HTTP_204_NO_CONTENT)


class SystemKeySerializer(serializers.ModelSerializer[ApiToken]):
    made_by = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "made_by", "created_at", "expires_at"]


class NewSystemKeySerializer(StrictSerializer):
    name = serializers.CharField(max_length=tokens.NAME_MAX_CHARS)


class IssuedSystemKeySerializer(SystemKeySerializer):
    key = serializers.CharField(read_only=True)

    class Meta(SystemKeySerializer.Meta):
        fields = [*SystemKeySerializer.Meta.fields, "key"]


def _issued(issued: tokens.IssuedKey) -> dict[str, Any]:
    data: dict[str, Any] = dict(SystemKeySerializer(issued.key).data)
    data["key"] = issued.secret
    return data


class SystemKeyListCreateApi(GenericAPIView[ApiToken]):
    """Your organisation's system keys: one per sending system, named; the key is shown only here, once."""

    permission_classes = [role_permission(Role.PARTNER)]
    serializer_class = SystemKeySerializer
    pagination_class = None

    @extend_schema(responses=SystemKeySerializer(many=True))
    def get(self, request: Request) -> Response:
        keys = tokens.system_keys_for(actor_of(request))
        return Response(SystemKeySerializer(keys, many=True).data)

    @extend_schema(request=NewSystemKeySerializer, responses={201: IssuedSystemKeySerializer})
    def post(self, request: Request) -> Response:
        given = NewSystemKeySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        issued = tokens.create_system_key(actor=actor_of(request), name=given.validated_data["name"])
        return Response(_issued(issued), status=status.HTTP_201_CREATED, headers=NO_STORE)


class SystemKeyDetailApi(GenericAPIView[ApiToken]):
    permission_classes = [role_permission(Role.PARTNER)]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, key_id: int) -> Response:
        request.data  # noqa: B018  (a body that cannot be parsed is refused, as anywhere else)
        tokens.revoke_system_key(actor=actor_of(request), key_id=key_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
