"""Who may do what with a case, written once.

The services ask this module to refuse (``locked_case``, ``transition_role``,
``casework_role``), the API and the case page ask it what to offer
(``offer``). Nothing else decides who acts on a case.

Three answers, in this order:

- a case outside the actor's scope is 404, the same as one that does not
  exist (``cases_for``, ``locked_case``);
- a case the actor sees but that is not theirs to act on in this way is
  ``PermissionDenied`` (403);
- a step the actor may take, but not from the case's current state, is a
  ``Conflict`` (409), decided by django-fsm for transitions and by
  ``CASEWORK_STATES`` for contacts, plan and network.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from coordination.models import Role, User
from helpers.errors import Conflict

from .models import Case, State

# The schakelpunt's part of a case's life: before it is referred to a team.
INTAKE_STATES = frozenset({State.NEW, State.TRIAGE, State.OUTREACH})

# Every transition of the case, in the order the case page and the API list them.
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

TRANSITION_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "release": ("reason",),
    "refer_to_team": ("team", "reason"),
    "assign_lead": ("lead",),
    "decline": ("reason",),
    "reassign": ("lead", "reason"),
    "close": ("outcome", "reason"),
}
"""The body fields each transition takes: the API's JSON body and the case page's form alike."""

_SERVICE_KEYWORDS = {"team": "team_id", "lead": "lead_id"}

# Casework besides the transitions, by who does it and in which states:
# outreach by the schakelpunt, then the lead professional's own contacts; the
# plan and the network belong to the lead of a case in progress or monitoring.
CONTACT = "contact"
PLAN = "plan"
NETWORK = "network"
HELP_ACCEPTED = "help_accepted"
_PLAN_STATES = frozenset({State.IN_PROGRESS, State.MONITORING})
CASEWORK_STATES: dict[str, dict[str, frozenset[str]]] = {
    CONTACT: {
        Role.TRIAGE: frozenset({State.TRIAGE, State.OUTREACH}),
        Role.PROFESSIONAL: frozenset({State.LEAD_ASSIGNED, State.IN_PROGRESS, State.MONITORING}),
    },
    PLAN: {Role.PROFESSIONAL: _PLAN_STATES},
    NETWORK: {Role.PROFESSIONAL: _PLAN_STATES},
    # The lead records that the household accepted help (the partners hear it).
    HELP_ACCEPTED: {Role.PROFESSIONAL: _PLAN_STATES},
}


def casework_roles(work: str) -> tuple[str, ...]:
    """The roles that may do ``work`` on some case: the gate of its API endpoint and page."""
    return tuple(CASEWORK_STATES[work])


def _not_yours(work: str) -> str:
    if work == CONTACT:
        return _("U mag voor deze casus geen contactpogingen vastleggen.")
    if work == HELP_ACCEPTED:
        return _("Alleen de regisseur van deze casus legt vast dat de hulp is geaccepteerd.")
    return _("Alleen de regisseur van deze casus werkt aan plan en netwerk.")


def _not_now(work: str) -> str:
    if work == CONTACT:
        return _("In deze status legt u geen contactpoging vast.")
    if work == HELP_ACCEPTED:
        return _("Geaccepteerde hulp legt u vast bij een casus in behandeling of monitoring.")
    return _("Plan en netwerk horen bij een casus in behandeling of monitoring.")


# ---------------------------------------------------------------- scope


def team_ids(actor: User) -> QuerySet[Any]:
    """The ids of the actor's teams: a subquery, or a list when iterated."""
    return actor.teams.values_list("pk", flat=True)


def scope_filter(actor: User) -> Q | None:
    """The cases this actor may see by their roles, or None for none at all.

    Triage officers see the intake (and what was closed from it); a
    coordinator sees their teams' cases; a lead professional the cases they lead.
    """
    scope = Q()
    matched = False
    if actor.has_role(Role.TRIAGE):
        scope |= Q(state__in=INTAKE_STATES) | Q(state=State.CLOSED, team__isnull=True)
        matched = True
    if actor.has_role(Role.COORDINATOR):
        scope |= Q(team__in=team_ids(actor))
        matched = True
    if actor.has_role(Role.PROFESSIONAL):
        scope |= Q(lead=actor)
        matched = True
    return scope if matched else None


def cases_for(actor: User) -> QuerySet[Case]:
    """The cases in the actor's scope, decided in SQL."""
    scope = scope_filter(actor)
    if scope is None:
        return Case.objects.none()
    return Case.objects.filter(scope)


def locked_case(actor: User, case_id: uuid.UUID) -> Case:
    """The case, locked for the rest of the transaction; 404 when it is not in the actor's scope.

    The lock makes two people acting on one case take turns: the second finds
    the case as the first left it.
    """
    try:
        return cases_for(actor).select_for_update(of=("self",)).get(pk=case_id)
    except Case.DoesNotExist:
        raise Http404 from None


def may_break_glass(actor: User) -> bool:
    """Triage officers and coordinators may open a case outside their scope, giving a reason."""
    return actor.has_role(Role.TRIAGE, Role.COORDINATOR)


# ---------------------------------------------------------------- standing


@dataclass(frozen=True)
class Standing:
    """What the actor is to one case: every rule below is decided on these facts."""

    triage: bool
    claimant: bool
    team_coordinator: bool
    lead: bool

    @classmethod
    def of(cls, actor: User, case: Case) -> Standing:
        """At most one query: whether the actor coordinates the case's team."""
        triage = actor.has_role(Role.TRIAGE)
        return cls(
            triage=triage,
            claimant=triage and case.claimed_by_id == actor.pk,
            team_coordinator=(
                actor.has_role(Role.COORDINATOR)
                and case.team_id is not None
                and team_ids(actor).filter(pk=case.team_id).exists()
            ),
            lead=actor.has_role(Role.PROFESSIONAL) and case.lead_id == actor.pk,
        )

    def holds(self, role: str) -> bool:
        """Whether the actor stands to the case in ``role`` (a case role)."""
        held: dict[str, bool] = {
            Role.TRIAGE: self.triage,
            Role.COORDINATOR: self.team_coordinator,
            Role.PROFESSIONAL: self.lead,
        }
        return held.get(role, False)


def _transition_role(standing: Standing, case: Case, name: str) -> str | None:
    # Only the actor's standing is judged here; whether the case's state allows
    # the transition is django-fsm's business (``can_proceed``).
    if name in {"claim", "start_outreach", "refer_to_team"}:
        return Role.TRIAGE if standing.triage else None
    if name == "release":
        return Role.TRIAGE if standing.claimant else None
    if name in {"assign_lead", "reassign"}:
        return Role.COORDINATOR if standing.team_coordinator else None
    if name in {"accept", "decline", "start_monitoring", "resume"}:
        return Role.PROFESSIONAL if standing.lead else None
    if name == "close":
        # The role that owns the case in its current state closes it.
        if case.state in INTAKE_STATES:
            return Role.TRIAGE if standing.triage else None
        if standing.lead:
            return Role.PROFESSIONAL
        if standing.team_coordinator:
            return Role.COORDINATOR
        return None
    raise ValueError(f"unknown transition {name!r}")


def _casework_roles(standing: Standing, work: str) -> list[str]:
    """The roles in which the actor does ``work`` on the case, whatever its state."""
    return [role for role in CASEWORK_STATES[work] if standing.holds(role)]


def _casework_role_now(roles: list[str], case: Case, work: str) -> str | None:
    return next((role for role in roles if case.state in CASEWORK_STATES[work][role]), None)


# ---------------------------------------------------------------- what the services ask


def transition_role(actor: User, case: Case, name: str) -> str:
    """The role in which ``actor`` applies transition ``name`` to ``case``.

    PermissionDenied when it is not theirs to apply. Whether the case's state
    allows it is checked when it is applied (a Conflict), after the arguments.
    """
    role = _transition_role(Standing.of(actor, case), case, name)
    if role is None:
        raise PermissionDenied(_("U mag deze stap niet zetten."))
    return role


def casework_role(actor: User, case: Case, work: str) -> str:
    """The role in which ``actor`` does ``work`` (``CONTACT``, ``PLAN``, ``NETWORK``) on ``case`` now.

    PermissionDenied when it is not theirs to do; Conflict when the case's
    state does not allow it now.
    """
    roles = _casework_roles(Standing.of(actor, case), work)
    if not roles:
        raise PermissionDenied(_not_yours(work))
    role = _casework_role_now(roles, case, work)
    if role is None:
        raise Conflict(_not_now(work))
    return role


def transition_arguments(name: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of transition ``name``'s service, from the fields of a
    validated body it takes (``TRANSITION_ARGUMENTS``); other fields are ignored."""
    return {
        _SERVICE_KEYWORDS.get(field, field): body[field]
        for field in TRANSITION_ARGUMENTS.get(name, ())
        if field in body
    }


# ---------------------------------------------------------------- what the API and the page ask


@dataclass(frozen=True)
class Offer:
    """What to offer the actor on a case: the transitions and the casework they may do now."""

    transitions: tuple[str, ...]
    casework: frozenset[str]


def offer(actor: User, case: Case, *, break_glass: bool = False) -> Offer:
    """The steps the services would let ``actor`` take on ``case`` in its current state.

    A case read by breaking the glass is only read: the services lock cases in
    the actor's scope, so nothing is offered on it.
    """
    if break_glass:
        return Offer(transitions=(), casework=frozenset())
    standing = Standing.of(actor, case)
    transitions = tuple(
        name
        for name in TRANSITIONS
        if _transition_role(standing, case, name) is not None
        and can_proceed(getattr(case, name), check_conditions=False)
    )
    casework = frozenset(
        work
        for work in CASEWORK_STATES
        if _casework_role_now(_casework_roles(standing, work), case, work) is not None
    )
    return Offer(transitions=transitions, casework=casework)
