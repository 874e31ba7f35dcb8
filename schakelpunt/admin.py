"""The admin's view of API tokens, second factors and the login throttle: the administrator
revokes, resets and lifts delays, never reads a secret.

Tokens: who has one, of which kind, until when; never the secret (it is not
stored) nor its digest, and no way to make one for someone else: the admin
cannot act as another user through the API.

Second factors: django-otp's own device pages would show every user's TOTP
secret and recovery codes, so they are taken out of the admin; what remains
is the reset action on the user list.

Login throttle: who must wait, and lifting a delay (logged).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from coordination import admin as coordination_admin  # registers the user admin that gets the action
from coordination.models import ApiToken, User

from . import tokens
from .lockout import unlock
from .models import LoginThrottle
from .second_factor import OwnFactor, reset_factor

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


for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)


@admin.action(description=_("Tweede factor opnieuw laten instellen"), permissions=["change"])
def reset_second_factor(
    model_admin: ModelAdmin[User], request: HttpRequest, queryset: QuerySet[User]
) -> None:
    """Remove the chosen users' authenticator app and recovery codes (a lost phone).

    Each user sets up a new factor at the next login; each reset is an access-log entry.
    """
    actor = request.user
    if not isinstance(actor, User):
        return
    done = 0
    for pk in queryset.values_list("pk", flat=True):
        try:
            done += reset_factor(actor=actor, user_id=pk)
        except OwnFactor:
            model_admin.message_user(
                request,
                _("Uw eigen tweede factor kunt u niet opnieuw laten instellen; vraag een andere beheerder."),
                messages.ERROR,
            )
    model_admin.message_user(
        request,
        ngettext(
            "De tweede factor van %(count)d gebruiker is verwijderd; die stelt bij de volgende "
            "inlog een nieuwe in.",
            "De tweede factor van %(count)d gebruikers is verwijderd; zij stellen bij de volgende "
            "inlog een nieuwe in.",
            done,
        )
        % {"count": done},
        messages.SUCCESS,
    )


# The action joins the user list's own (a class attribute, like any ModelAdmin's ``actions``).
_user_admin: type[ModelAdmin[User]] = coordination_admin.UserAdmin
_user_admin.actions = [*(_user_admin.actions or []), reset_second_factor]


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin[LoginThrottle]):
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
