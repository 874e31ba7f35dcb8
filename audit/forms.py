"""The auditor's filters on the access-log page; ``audit.api.EventQuery`` parses them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from coordination.models import User
from helpers.forms import Choice, FormField, WebForm

from .models import EventType

# Offered as suggestions in the action filter; any action can be typed.
KNOWN_ACTIONS = (
    "case.read",
    "case.list",
    "case.claim",
    "case.release",
    "case.start_outreach",
    "case.refer_to_team",
    "case.assign_lead",
    "case.accept",
    "case.decline",
    "case.reassign",
    "case.start_monitoring",
    "case.resume",
    "case.close",
    "case.contact.create",
    "case.plan.goal.create",
    "case.network.create",
    "signal.create",
    "signal.list",
    "signal.read",
    "login",
    "logout",
    "audit.events.list",
    "audit.events.export",
    "audit.verify",
)


def event_filter_form() -> WebForm:
    users = User.objects.order_by("username").only("pk", "username", "first_name", "last_name")
    return WebForm(
        "events",
        [
            FormField(
                "user",
                _("Gebruiker"),
                "select",
                choices=[Choice("", _("Iedereen"))]
                + [Choice(str(u.pk), f"{u.display_name} ({u.username})") for u in users],
            ),
            FormField(
                "case",
                _("Casus-id"),
                hint=_("Wie heeft deze casus gezien? Plak het id van de casus."),
                autocomplete="off",
            ),
            FormField(
                "action",
                _("Actie"),
                hint=_("Bijvoorbeeld: case.read"),
                autocomplete="off",
                suggestions=KNOWN_ACTIONS,
            ),
            FormField(
                "event_type",
                _("Soort"),
                "select",
                choices=[Choice("", _("Alle"))] + [Choice(v, str(label)) for v, label in EventType.choices],
            ),
            FormField("since", _("Vanaf"), "date", width="m"),
            FormField("until", _("Tot en met"), "date", width="m"),
        ],
    )
