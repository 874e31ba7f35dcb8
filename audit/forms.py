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
    "case.reroute",
    "case.reopen",
    "case.merge",
    "case.merged_into",
    "case.split",
    "case.split_from",
    "case.contact.create",
    "case.contact.update",
    "case.contact.delete",
    "case.plan.update",
    "case.letter.read",
    "letter.run.create",
    "case.plan.goal.create",
    "case.plan.goal.update",
    "case.plan.goal.delete",
    "case.plan.action.create",
    "case.plan.action.update",
    "case.plan.action.delete",
    "case.network.create",
    "case.network.update",
    "case.network.delete",
    "case.help_accepted",
    "case.deadline.overdue",
    "case.erase",
    "case.search",
    "case.access.grant",
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
    usernames = list(User.objects.order_by("username").values_list("username", flat=True)[:1000])
    return WebForm(
        "events",
        [
            FormField(
                "case",
                _("Casus"),
                hint=_("Referentie van een casus (C-…) of een signaal (S-…): wie heeft deze casus gezien?"),
                autocomplete="off",
            ),
            FormField(
                "user",
                _("Gebruiker"),
                hint=_("Gebruikersnaam"),
                autocomplete="off",
                suggestions=usernames,
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
            FormField(
                "subject", _("Huishouden"), hint=_("Pseudoniem id van het huishouden"), autocomplete="off"
            ),
        ],
    )
