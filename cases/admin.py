"""The notification outbox for the administrator: what failed, why, and a way to try again.

Read-only apart from the release action: a row shows the case reference,
the recipient's user name, attempts and the last error, never case content.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from coordination.models import User

from . import notifications
from .models import Notification


class NotificationStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Notification]
    ) -> list[tuple[str, Any]]:
        return [
            ("parked", _("geparkeerd")),
            ("retrying", _("mislukt, wordt opnieuw geprobeerd")),
            ("pending", _("nog te versturen")),
            ("sent", _("verstuurd")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Notification]) -> QuerySet[Notification]:
        unsent = queryset.filter(sent_at=None)
        match self.value():
            case "parked":
                return unsent.exclude(parked_at=None)
            case "retrying":
                return unsent.filter(parked_at=None).exclude(last_error="")
            case "pending":
                return unsent.filter(parked_at=None)
            case "sent":
                return queryset.exclude(sent_at=None)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = (
        "created_at",
        "kind",
        "case",
        "recipient",
        "status",
        "attempts",
        "last_attempt_at",
        "next_attempt_at",
        "last_error",
    )
    list_filter = (NotificationStatusFilter, "kind")
    list_select_related = ("case", "recipient")
    search_fields = ("=case__reference",)
    ordering = ("-created_at",)
    show_full_result_count = False
    actions = ["release"]
    fields = (
        "kind",
        "case",
        "recipient",
        "created_at",
        "sent_at",
        "attempts",
        "last_attempt_at",
        "next_attempt_at",
        "last_error",
        "parked_at",
    )

    @admin.display(description=_("status"))
    def status(self, obj: Notification) -> str:
        if obj.sent_at is not None:
            return str(_("verstuurd"))
        if obj.parked_at is not None:
            return str(_("geparkeerd"))
        if obj.last_error:
            return str(_("mislukt, wordt opnieuw geprobeerd"))
        return str(_("nog te versturen"))

    @admin.action(description=_("Geparkeerde meldingen opnieuw proberen"), permissions=["release"])
    def release(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        if not isinstance(request.user, User):
            raise PermissionDenied
        released = notifications.release_parked(
            actor=request.user, notification_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(
            request,
            ngettext(
                "%d melding wordt opnieuw geprobeerd.", "%d meldingen worden opnieuw geprobeerd.", released
            )
            % released,
        )

    def has_release_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("cases.change_notification")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False
