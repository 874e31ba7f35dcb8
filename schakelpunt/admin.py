"""The second factor in the admin: an administrator resets a user's factor, never sees one.

django-otp's own device pages would show every user's TOTP secret and
recovery codes, so they are taken out of the admin; what remains is the
action on the user list.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import ModelAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from coordination import admin as coordination_admin  # registers the user admin that gets the action
from coordination.models import User

from .second_factor import OwnFactor, reset_factor

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
