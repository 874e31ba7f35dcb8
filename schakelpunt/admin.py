"""The login throttle in the admin: see who must wait, and clear a count (logged)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from coordination.models import User

from .lockout import unlock
from .models import LoginThrottle


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # ModelAdmin is not subscriptable at run time without django_stubs_ext
    list_display = ("username", "address", "attempts", "blocked_until", "last_attempt_at")
    search_fields = ("username", "=address")
    ordering = ("-last_attempt_at",)
    actions = ["unlock_selected"]
    fields = list_display

    @admin.action(description=_("Vertraging opheffen"), permissions=["unlock"])
    def unlock_selected(self, request: HttpRequest, queryset: QuerySet[LoginThrottle]) -> None:
        if not isinstance(request.user, User):
            raise PermissionDenied
        cleared = unlock(actor=request.user, throttle_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%d inlogvertraging opgeheven.", "%d inlogvertragingen opgeheven.", cleared) % cleared,
        )

    def has_unlock_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("schakelpunt.change_loginthrottle")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LoginThrottle | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LoginThrottle | None = None) -> bool:
        return False
