"""Forms on the queue and case pages; the API's serializers validate what they post."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination.models import Role, Team, User
from helpers.forms import Choice, FormField, WebForm

from .models import (
    CLOSING_OUTCOMES,
    OUTCOME_HELP,
    Case,
    CasePlan,
    ContactAttempt,
    NetworkMember,
    PlanGoal,
    Priority,
    State,
)
from .permissions import TRANSITION_ARGUMENTS

# What each transition button says, and the message after it worked.
TRANSITION_LABELS = {
    "claim": gettext_lazy("Oppakken"),
    "release": gettext_lazy("Teruggeven aan de intake"),
    "start_outreach": gettext_lazy("Outreach starten"),
    "refer_to_team": gettext_lazy("Doorverwijzen naar wijkteam"),
    "assign_lead": gettext_lazy("Regisseur toewijzen"),
    "accept": gettext_lazy("Casus accepteren"),
    "decline": gettext_lazy("Casus weigeren"),
    "reassign": gettext_lazy("Andere regisseur toewijzen"),
    "start_monitoring": gettext_lazy("Monitoring starten"),
    "resume": gettext_lazy("Weer in behandeling nemen"),
    "close": gettext_lazy("Casus afsluiten"),
    "reroute": gettext_lazy("Omleiden naar een ander team"),
    # Moves between cases (not offered as steps): their timeline entries.
    "merge": gettext_lazy("Samengevoegd"),
    "split": gettext_lazy("Gesplitst"),
    "reopen": gettext_lazy("Casus heropenen"),
}
TRANSITION_DONE = {
    "claim": gettext_lazy("U heeft casus %s opgepakt."),
    "release": gettext_lazy("Casus %s staat weer in de intake."),
    "start_outreach": gettext_lazy("Outreach voor casus %s is gestart."),
    "refer_to_team": gettext_lazy("Casus %s is doorverwezen naar het wijkteam."),
    "assign_lead": gettext_lazy("Casus %s heeft een regisseur."),
    "accept": gettext_lazy("U heeft casus %s geaccepteerd."),
    "decline": gettext_lazy("U heeft casus %s geweigerd; hij gaat terug naar de coördinator."),
    "reassign": gettext_lazy("Casus %s heeft een andere regisseur."),
    "start_monitoring": gettext_lazy("Casus %s staat in monitoring."),
    "resume": gettext_lazy("Casus %s is weer in behandeling."),
    "close": gettext_lazy("Casus %s is afgesloten."),
    "reroute": gettext_lazy("Casus %s is omgeleid naar het andere team."),
    "reopen": gettext_lazy("Casus %s is heropend."),
}

KIND_LABELS = {
    "signal": gettext_lazy("Signaal"),
    "transition": gettext_lazy("Statusovergang"),
    "contact": gettext_lazy("Contactpoging"),
    "plan": gettext_lazy("Plan"),
    "network": gettext_lazy("Netwerk"),
    "goal": gettext_lazy("Doel"),
    "action": gettext_lazy("Actie"),
}


def _choices(pairs: Iterable[tuple[Any, Any]], empty: str | None = None) -> list[Choice]:
    listed = [Choice("", empty)] if empty is not None else []
    return listed + [Choice(str(value), str(label)) for value, label in pairs]


def team_professionals(team_id: uuid.UUID | None) -> list[User]:
    """The lead professionals a case of this team can be given to."""
    if team_id is None:
        return []
    return list(
        User.objects.holding(Role.PROFESSIONAL).filter(teams=team_id).order_by("first_name", "last_name")
    )


def transition_form(name: str, case: Case | None) -> WebForm:
    """The inputs of one transition (its API body fields, ``TRANSITION_ARGUMENTS``); without a
    case (a posted form) the choices stay empty."""
    fields: list[FormField] = []
    for input_name in TRANSITION_ARGUMENTS.get(name, ()):
        if input_name == "team" and name == "reroute":
            teams = list(Team.objects.order_by("name").values_list("pk", "name")) if case is not None else []
            others = [(pk, team_name) for pk, team_name in teams if case is None or pk != case.team_id]
            fields.append(
                FormField(
                    "team",
                    _("Naar team"),
                    "select",
                    required=True,
                    choices=_choices(others, _("Kies een team")),
                )
            )
        elif input_name == "team":
            routed = case.district.team if case is not None and case.district else None
            empty = _("Team van de postcode (%s)") % routed.name if routed else _("Kies een team")
            teams = list(Team.objects.order_by("name").values_list("pk", "name")) if case is not None else []
            fields.append(
                FormField(
                    "team",
                    _("Wijkteam"),
                    "select",
                    choices=_choices(teams, empty),
                    hint=_("Een ander team dan dat van de postcode vraagt om een reden."),
                )
            )
        elif input_name == "lead":
            professionals = team_professionals(case.team_id) if case is not None else []
            leads = [(user.pk, user.display_name) for user in professionals]
            fields.append(
                FormField(
                    "lead",
                    _("Regisseur"),
                    "select",
                    required=True,
                    choices=_choices(leads, _("Kies een professional")),
                )
            )
        elif input_name == "outcome":
            fields.append(
                FormField(
                    "outcome",
                    _("Eindresultaat"),
                    "radio",
                    required=True,
                    hint=_(
                        "De eindresultaten van de landelijke monitor (DDAS): kies wat het gesprek opleverde."
                    ),
                    choices=[
                        Choice(str(value), str(label), help=str(OUTCOME_HELP.get(value, "")))
                        for value, label in CLOSING_OUTCOMES
                    ],
                )
            )
        elif input_name == "reason":
            required = name in ("decline", "reassign", "reroute", "reopen")
            hint = {
                "close": _("Verplicht bij de uitkomst 'Niet opgepakt: andere reden'."),
                "refer_to_team": _("Verplicht bij een ander team dan dat van de postcode."),
                "reopen": _("Waarom de casus weer open moet; komt in de tijdlijn."),
            }.get(name, "")
            fields.append(FormField("reason", _("Reden"), "textarea", required=required, hint=hint))
    return WebForm(f"transition-{name}", fields)


def transition_body(name: str, data: Any) -> dict[str, str]:
    """The posted inputs of one transition, empty ones left out (the service then uses its default)."""
    body = {}
    for input_name in TRANSITION_ARGUMENTS.get(name, ()):
        value = str(data.get(input_name, "") or "").strip()
        if value:
            body[input_name] = value
    return body


def contact_form() -> WebForm:
    return WebForm(
        "contact",
        [
            FormField(
                "channel",
                _("Kanaal"),
                "select",
                required=True,
                choices=_choices(ContactAttempt.Channel.choices, _("Kies een kanaal")),
            ),
            FormField(
                "result",
                _("Resultaat"),
                "select",
                required=True,
                choices=_choices(ContactAttempt.Result.choices, _("Kies een resultaat")),
            ),
            FormField("at", _("Tijdstip"), "datetime-local", hint=_("Leeg laten voor nu.")),
            FormField("note", _("Notitie"), "textarea"),
        ],
    )


def contact_body(data: Any) -> dict[str, Any]:
    return {
        "channel": data.get("channel", ""),
        "result": data.get("result", ""),
        "at": data.get("at") or None,
        "note": data.get("note", ""),
    }


def goal_form() -> WebForm:
    return WebForm(
        "goal",
        [
            FormField("description", _("Doel"), "textarea", required=True),
            FormField("actions_description", _("Actie"), hint=_("Wat er gebeurt om het doel te halen.")),
            FormField(
                "actions_owner", _("Wie doet het"), hint=_("De bewoner, een professional of een organisatie.")
            ),
            FormField("actions_due_date", _("Klaar op"), "date", width="m"),
        ],
    )


def goal_body(data: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"description": data.get("description", "")}
    action = {
        "description": data.get("actions_description", ""),
        "owner": data.get("actions_owner", ""),
        "due_date": data.get("actions_due_date") or None,
    }
    if any(action.values()):
        body["actions"] = [action]
    return body


def network_form() -> WebForm:
    return WebForm(
        "network",
        [
            FormField("organisation", _("Organisatie"), required=True),
            FormField("role", _("Rol"), required=True, hint=_("Bijvoorbeeld: schuldhulpverlener")),
            FormField("person", _("Contactpersoon")),
            FormField("contact", _("Telefoon of e-mail")),
        ],
    )


def network_body(data: Any) -> dict[str, Any]:
    return {name: data.get(name, "") for name in ("organisation", "role", "person", "contact")}


def help_accepted_form() -> WebForm:
    return WebForm(
        "help_accepted",
        [
            FormField(
                "on",
                _("Datum"),
                "date",
                hint=_("Leeg laten voor vandaag. De melders zien alleen deze datum."),
            )
        ],
    )


def help_accepted_body(data: Any) -> dict[str, Any]:
    return {"on": data.get("on") or None}


# Which states each queue lets one filter on.
QUEUE_STATES = {
    "intake": (State.NEW, State.TRIAGE, State.OUTREACH, State.CLOSED),
    "team": (
        State.AWAITING_LEAD,
        State.LEAD_ASSIGNED,
        State.IN_PROGRESS,
        State.MONITORING,
        State.CLOSED,
    ),
    "mine": (State.LEAD_ASSIGNED, State.IN_PROGRESS, State.MONITORING, State.CLOSED),
}


def queue_filter_form(kind: str, teams: list[Team]) -> WebForm:
    states = [(state.value, state.label) for state in QUEUE_STATES[kind]]
    fields = [
        FormField("state", _("Status"), "select", choices=_choices(states, _("Alle open casussen"))),
        FormField(
            "priority",
            _("Prioriteit"),
            "select",
            choices=_choices(sorted(Priority.choices, reverse=True), _("Alle")),
        ),
        FormField(
            "overdue",
            _("Termijn"),
            "select",
            choices=[Choice("", _("Alle")), Choice("true", _("Te laat")), Choice("false", _("Op tijd"))],
        ),
    ]
    if kind == "team":
        if len(teams) > 1:
            fields.append(
                FormField(
                    "team", _("Team"), "select", choices=_choices([(t.pk, t.name) for t in teams], _("Alle"))
                )
            )
        leads = [(u.pk, u.display_name) for team in teams for u in team_professionals(team.pk)]
        fields.append(FormField("lead", _("Regisseur"), "select", choices=_choices(leads, _("Alle"))))
    return WebForm("filter", fields)


def merge_form() -> WebForm:
    """Take another case of the same household into this one: named by its reference."""
    return WebForm(
        "merge",
        [
            FormField(
                "case",
                _("Referentie van de andere casus"),
                required=True,
                hint=_("Die casus gaat op in deze: signalen, contactpogingen en tijdlijn komen hierheen."),
                autocomplete="off",
            ),
            FormField("reason", _("Reden"), "textarea", required=True),
        ],
    )


# ---------------------------------------------------------------- corrections


def contact_edit_form(attempt: ContactAttempt | None = None, form_id: str = "contact-edit") -> WebForm:
    """Correct a contact attempt; with ``attempt`` filled in with what it says now."""
    form = WebForm(form_id, list(contact_form()))
    form["at"].hint = ""
    if attempt is not None:
        at = timezone.localtime(attempt.at).strftime("%Y-%m-%dT%H:%M")
        form.bind(
            {"channel": attempt.channel, "result": attempt.result, "at": at, "note": attempt.note or ""}
        )
    return form


def contact_edit_body(data: Any) -> dict[str, Any]:
    body = {name: data.get(name, "") for name in ("channel", "result", "note")}
    if data.get("at"):
        body["at"] = data["at"]
    return body


def goal_edit_form(goal: PlanGoal | None = None, form_id: str = "goal-edit") -> WebForm:
    form = WebForm(
        form_id,
        [
            FormField("description", _("Doel"), "textarea", required=True),
            FormField("achieved", _("Doel bereikt"), "checkbox"),
        ],
    )
    if goal is not None:
        form.bind({"description": goal.description or "", "achieved": "true" if goal.achieved else ""})
    return form


def goal_edit_body(data: Any) -> dict[str, Any]:
    return {"description": data.get("description", ""), "achieved": data.get("achieved") == "true"}


def removal_form(form_id: str = "remove") -> WebForm:
    return WebForm(
        form_id,
        [
            FormField(
                "reason",
                _("Reden van verwijderen"),
                "textarea",
                required=True,
                hint=_("Blijft zichtbaar in de tijdlijn; de inhoud zelf wordt gewist."),
            )
        ],
    )


def split_form() -> WebForm:
    """Split signals off into a case of their own; the signals are checkboxes on the page."""
    return WebForm("split", [FormField("reason", _("Reden"), "textarea", required=True)])


def removal_body(data: Any) -> dict[str, Any]:
    return {"reason": data.get("reason", "")}


def plan_form(plan: CasePlan | None = None) -> WebForm:
    form = WebForm(
        "plan-texts",
        [
            FormField("strengths", _("Wat goed gaat"), "textarea"),
            FormField(
                "problems",
                _("Problemen"),
                "textarea",
                hint=_("Eén probleem per regel, het meest dringende bovenaan."),
            ),
        ],
    )
    if plan is not None:
        form.bind({"strengths": plan.strengths or "", "problems": "\n".join(plan.problem_list)})
    return form


def plan_body(data: Any) -> dict[str, Any]:
    return {
        "strengths": data.get("strengths", ""),
        "problems": [line.strip() for line in str(data.get("problems", "")).splitlines() if line.strip()],
    }


def action_form(form_id: str = "action") -> WebForm:
    """Another action for a goal: what, who, when."""
    return WebForm(
        form_id,
        [
            FormField("description", _("Actie"), required=True),
            FormField("owner", _("Wie doet het"), hint=_("De bewoner, een professional of een organisatie.")),
            FormField("due_date", _("Klaar op"), "date", width="m"),
        ],
    )


def action_body(data: Any) -> dict[str, Any]:
    return {
        "description": data.get("description", ""),
        "owner": data.get("owner", ""),
        "due_date": data.get("due_date") or None,
    }


def network_edit_form(member: NetworkMember | None = None, form_id: str = "network-edit") -> WebForm:
    """Correct a network member; with ``member`` filled in with what it says now."""
    form = WebForm(form_id, list(network_form()))
    if member is not None:
        form.bind(
            {
                "organisation": member.organisation,
                "role": member.role,
                "person": member.person or "",
                "contact": member.contact or "",
            }
        )
    return form
