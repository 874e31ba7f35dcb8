"""Who may apply which transition to a case: one table, used by the services
(to refuse) and by the case page and API (to offer only what is allowed)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django_fsm import can_proceed

from coordination.models import Role

from .models import Case, State

TRANSITIONS = (
    "claim",
    "release",
    "start_outreach",
    "refer_to_team",
    "assign_lead",
    "accept",
    "decline",
    "reassign",
    "start_monitoring",
    "resume",
    "close",
)

INTAKE_STATES = frozenset({State.NEW, State.TRIAGE, State.OUTREACH})


def _is_lead(actor: Any, case: Case) -> bool:
    return actor.has_role(Role.PROFESSIONAL) and case.lead_id == actor.pk


def _is_team_coordinator(actor: Any, case: Case, team_ids: Collection[Any]) -> bool:
    return actor.has_role(Role.COORDINATOR) and case.team_id is not None and case.team_id in team_ids


def acting_role(actor: Any, case: Case, name: str, team_ids: Collection[Any]) -> str | None:
    """The role in which ``actor`` may apply transition ``name`` to ``case``, or None.

    Only the actor's standing is judged here; whether the case's state allows
    the transition is django-fsm's business (``can_proceed``).
    """
    if name in {"claim", "start_outreach", "refer_to_team"}:
        return Role.TRIAGE if actor.has_role(Role.TRIAGE) else None
    if name == "release":
        return Role.TRIAGE if actor.has_role(Role.TRIAGE) and case.claimed_by_id == actor.pk else None
    if name in {"assign_lead", "reassign"}:
        return Role.COORDINATOR if _is_team_coordinator(actor, case, team_ids) else None
    if name in {"accept", "decline", "start_monitoring", "resume"}:
        return Role.PROFESSIONAL if _is_lead(actor, case) else None
    if name == "close":
        # The role that owns the case in its current state closes it.
        if case.state in INTAKE_STATES:
            return Role.TRIAGE if actor.has_role(Role.TRIAGE) else None
        if _is_lead(actor, case):
            return Role.PROFESSIONAL
        if _is_team_coordinator(actor, case, team_ids):
            return Role.COORDINATOR
        return None
    raise ValueError(f"unknown transition {name!r}")


def available_transitions(actor: Any, case: Case, team_ids: Collection[Any]) -> list[str]:
    return [
        name
        for name in TRANSITIONS
        if can_proceed(getattr(case, name), check_conditions=False)
        and acting_role(actor, case, name, team_ids) is not None
    ]
