"""The administrator's view of API tokens: who has one, of which kind, until when; and revoking.

Never the secret (it is not stored) nor its digest, and no way to make one
for someone else: the admin cannot act as another user through the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from coordination.models import ApiToken, User

from . import tokens

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[ApiToken]
else:  # generic for the type checker only
    _ModelAdmin = admin.ModelAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(_ModelAdmin):
    list_display = ("user", "kind", "name", "organisation", "created_at", "expires_at")
    list_filter = ("kind", "organisation")
    search_fields = ("user__username", "name")
    fields = ("user", "kind", "name", "organisation", "created_at", "expires_at")
    readonly_fields = fields
    actions = ["delete_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: ApiToken) -> None:
        tokens.revoke_by_administrator(actor=_actor(request), tokens=ApiToken.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens.revoke_by_administrator(actor=_actor(request), tokens=queryset)


def _actor(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # the admin site lets only logged-in staff in
        raise PermissionError
    return user
