"""Read-only admin for the access log: it can be looked at, never changed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from .models import AccessEvent
from .services import record


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin[AccessEvent]):
    list_display = (
        "occurred_at",
        "event_type",
        "action",
        "outcome",
        "username",
        "role",
        "case_id",
        "client_ip",
    )
    list_filter = ("event_type", "outcome", "break_glass")
    search_fields = ("username", "action", "request_id", "=case_id")
    date_hierarchy = "occurred_at"
    show_full_result_count = False  # COUNT(*) over millions of rows on every page is slow
    readonly_fields = [field.name for field in AccessEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccessEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessEvent | None = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Looking at the log is itself an access, as in the auditor API.
        record(actor=request.user, event_type="read", action="admin.audit.list", object_type="access_log")
        return super().changelist_view(request, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        record(
            actor=request.user,
            event_type="read",
            action="admin.audit.read",
            object_type="access_log",
            object_id=object_id,
        )
        return super().change_view(request, object_id, form_url, extra_context)
