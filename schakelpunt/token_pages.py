"""The partner's page for the organisation's system keys: list, make (shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from coordination.models import Role
from coordination.web_access import actor_of, role_required
from helpers.forms import FormField, WebForm

from . import tokens


def _form() -> WebForm:
    return WebForm(
        "key",
        [
            FormField(
                "name",
                _("Naam van het systeem"),
                required=True,
                hint=_("Bijvoorbeeld de naam van het incassosysteem dat de signalen verstuurt."),
                width="m",
            )
        ],
    )


@never_cache
@role_required(Role.PARTNER)
def system_keys(request: HttpRequest) -> HttpResponse:
    """The organisation's system keys; a new key's secret is shown on this answer only."""
    actor = actor_of(request)
    form = _form()
    issued = None
    if request.method == "POST":
        form.bind(request.POST)
        try:
            issued = tokens.create_system_key(actor=actor, name=form["name"].value)
        except ValidationError as exc:
            form.add_errors(exc.message_dict)
        else:
            form = _form()
    return render(
        request,
        "accounts/system_keys.html",
        {
            "form": form,
            "issued": issued,
            "keys": tokens.system_keys_for(actor),
            "lifetime_days": tokens.system_key_lifetime().days,
        },
        status=400 if form.has_errors else 200,
    )


@require_POST
@role_required(Role.PARTNER)
def revoke_system_key(request: HttpRequest, key_id: int) -> HttpResponse:
    tokens.revoke_system_key(actor=actor_of(request), key_id=key_id)
    messages.success(
        request, _("De systeemsleutel is ingetrokken; het systeem kan er niet meer mee inloggen.")
    )
    return redirect("system_keys:list")
