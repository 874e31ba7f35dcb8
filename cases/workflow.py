"""The case workflow: one service per transition (DESIGN.md, "Case state machine").

Each service locks the case row (scoped to the actor: out of scope is 404),
asks ``cases.permissions`` whether the step is the actor's to take (403 before
anything else is looked at), checks its arguments and the guard, applies the
pure transition on the model, saves, records the transition and writes the
access-log entry, all in one transaction. Two people acting at once: the second waits for the row lock,
then finds the state moved on and gets a Conflict (409).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from audit.services import record
from coordination.models import Role, Team, User
from helpers.errors import Conflict

from . import events, notifications, permissions
from .deadlines import refresh_deadline
from .models import (
    CLOSING_OUTCOMES,
    OPEN_STATES,
    Case,
    CaseTransition,
    Notification,
    Outcome,
    State,
    outcome_code,
)


def _step(actor: User, case_id: uuid.UUID, name: str) -> tuple[Case, str]:
    """The case, locked, and the role in which the actor takes step ``name`` on it."""
    case = permissions.locked_case(actor, case_id)
    return case, permissions.transition_role(actor, case, name)


def _apply(actor: User, role: str, case: Case, name: str, reason: str = "", **kwargs: Any) -> Case:
    method = getattr(case, name)
    if not can_proceed(method):
        raise Conflict(
            _("'%(name)s' kan niet vanuit de status '%(state)s'.") % {"name": name, "state": case.state}
        )
    source = case.state
    method(**kwargs)
    case.state_entered_at = timezone.now()
    refresh_deadline(case)
    case.save()
    CaseTransition.objects.create(
        case=case, name=name, source=source, target=case.state, actor=actor, reason=reason or None
    )
    # Closed-loop feedback: the partners' signals follow the case (signals.receivers).
    events.case_moved.send(sender=Case, case=case)
    if name == "refer_to_team":
        transition_id = str(case.transitions.order_by("-at").values_list("pk", flat=True).first())
        notifications.enqueue(
            case, Notification.Kind.NEW_IN_QUEUE, notifications.team_coordinators(case), transition_id
        )
    record(
        actor=actor,
        role=role,
        event_type="transition",
        action=f"case.{name}",
        object_type="case",
        object_id=str(case.pk),
        case_id=case.pk,
        subject_id=str(case.household_id),
        detail={"from": source, "to": case.state},
    )
    return case


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Geef een reden.")})
    return reason


def _team_professional(case: Case, lead_id: int | None) -> User:
    if lead_id is None:
        raise ValidationError({"lead": _("Kies een regisseur.")})
    lead = User.objects.holding(Role.PROFESSIONAL).filter(pk=lead_id, teams=case.team_id).first()
    if lead is None:
        raise ValidationError(
            {"lead": _("De regisseur moet een professional van het team van deze casus zijn.")}
        )
    return lead


@transaction.atomic
def claim(*, actor: User, case_id: uuid.UUID) -> Case:
    """A triage officer takes a new case; nobody else can claim it meanwhile."""
    case, role = _step(actor, case_id, "claim")
    return _apply(actor, role, case, "claim", by=actor)


@transaction.atomic
def release(*, actor: User, case_id: uuid.UUID, reason: str = "") -> Case:
    """The claimant hands the case back to the intake queue."""
    case, role = _step(actor, case_id, "release")
    return _apply(actor, role, case, "release", reason=reason)


@transaction.atomic
def start_outreach(*, actor: User, case_id: uuid.UUID) -> Case:
    case, role = _step(actor, case_id, "start_outreach")
    return _apply(actor, role, case, "start_outreach")


@transaction.atomic
def refer_to_team(
    *, actor: User, case_id: uuid.UUID, team_id: uuid.UUID | None = None, reason: str = ""
) -> Case:
    """Refer to the team the postcode routes to, or to another team with a reason."""
    case, role = _step(actor, case_id, "refer_to_team")
    routed_team_id = case.district.team_id if case.district is not None else None
    target_id = team_id or routed_team_id
    if target_id is None:
        raise ValidationError(
            {"team": _("Deze postcode valt in geen wijk: kies een team en geef een reden.")}
        )
    team = Team.objects.filter(pk=target_id).first()
    if team is None:
        raise ValidationError({"team": _("Onbekend team.")})
    if target_id != routed_team_id:
        reason = _require_reason(reason)
    return _apply(actor, role, case, "refer_to_team", reason=reason, team=team)


@transaction.atomic
def assign_lead(*, actor: User, case_id: uuid.UUID, lead_id: int | None = None) -> Case:
    case, role = _step(actor, case_id, "assign_lead")
    return _apply(actor, role, case, "assign_lead", lead=_team_professional(case, lead_id))


@transaction.atomic
def accept(*, actor: User, case_id: uuid.UUID) -> Case:
    case, role = _step(actor, case_id, "accept")
    return _apply(actor, role, case, "accept")


@transaction.atomic
def decline(*, actor: User, case_id: uuid.UUID, reason: str = "") -> Case:
    case, role = _step(actor, case_id, "decline")
    return _apply(actor, role, case, "decline", reason=_require_reason(reason))


@transaction.atomic
def reassign(*, actor: User, case_id: uuid.UUID, lead_id: int | None = None, reason: str = "") -> Case:
    case, role = _step(actor, case_id, "reassign")
    reason = _require_reason(reason)
    return _apply(actor, role, case, "reassign", reason=reason, lead=_team_professional(case, lead_id))


@transaction.atomic
def start_monitoring(*, actor: User, case_id: uuid.UUID) -> Case:
    """Only a case whose plan has goals moves to monitoring."""
    case, role = _step(actor, case_id, "start_monitoring")
    if not case.goals.exists():
        raise Conflict(_("Het plan heeft nog geen doelen."))
    return _apply(actor, role, case, "start_monitoring")


@transaction.atomic
def resume(*, actor: User, case_id: uuid.UUID) -> Case:
    case, role = _step(actor, case_id, "resume")
    return _apply(actor, role, case, "resume")


@transaction.atomic
def close(*, actor: User, case_id: uuid.UUID, outcome: str = "", reason: str = "") -> Case:
    case, role = _step(actor, case_id, "close")
    # The outcome codes from before the DDAS end results still close a case as what they became.
    outcome = outcome_code(outcome)
    if outcome not in dict(CLOSING_OUTCOMES):
        raise ValidationError({"outcome": _("Kies een uitkomst uit de lijst.")})
    if outcome == Outcome.NOT_PICKED_UP_OTHER:
        reason = _require_reason(reason)
    return _apply(actor, role, case, "close", reason=reason, outcome=outcome, reason_text=reason)


@transaction.atomic
def reroute(*, actor: User, case_id: uuid.UUID, team_id: uuid.UUID | None = None, reason: str = "") -> Case:
    """The coordinator sends the case to another team's queue, with a reason.

    The case waits for a lead there (its lead is released) and the other
    team's coordinators are told. Two coordinators re-routing at once: the
    second finds the case gone from their team, a Conflict.
    """
    case = permissions.locked_case_in_race(actor, case_id)
    role = permissions.transition_role(actor, case, "reroute")
    reason = _require_reason(reason)
    if team_id is None:
        raise ValidationError({"team": _("Kies een team.")})
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise ValidationError({"team": _("Onbekend team.")})
    if team.pk == case.team_id:
        raise ValidationError({"team": _("Kies een ander team dan het team van deze casus.")})
    case = _apply(actor, role, case, "reroute", reason=reason, team=team)
    transition_id = str(case.transitions.order_by("-at").values_list("pk", flat=True).first())
    notifications.enqueue(
        case, Notification.Kind.REROUTED, notifications.team_coordinators(case), transition_id
    )
    return case


@transaction.atomic
def reopen(*, actor: User, case_id: uuid.UUID, reason: str = "") -> Case:
    """Whoever may close the case now reopens it within ``CASE_REOPEN_DAYS`` of closing:
    back to its lead (in progress), or to the intake (triage) if it never had one."""
    case, role = _step(actor, case_id, "reopen")
    reason = _require_reason(reason)
    if case.state == State.CLOSED:
        if case.erased_at is not None:
            raise Conflict(_("De gegevens van deze casus zijn al gewist; heropenen kan niet meer."))
        if case.closed_at is None or case.closed_at < timezone.now() - timedelta(
            days=settings.CASE_REOPEN_DAYS
        ):
            raise Conflict(
                _("Een casus kan tot %(days)s dagen na het afsluiten heropend worden.")
                % {"days": settings.CASE_REOPEN_DAYS}
            )
        # One open case per household: a newer one took over since this one closed.
        if Case.objects.filter(household_id=case.household_id, state__in=OPEN_STATES).exists():
            raise Conflict(_("Dit huishouden heeft al een andere open casus."))
    return _apply(actor, role, case, "reopen", reason=reason, by=actor)
