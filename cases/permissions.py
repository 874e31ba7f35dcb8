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
from collections.abc import Callable, Mapping
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
    "reroute",
    "reopen",
)

TRANSITION_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "release": ("reason",),
    "refer_to_team": ("team", "reason"),
    "assign_lead": ("lead",),
    "decline": ("reason",),
    "reassign": ("lead", "reason"),
    "close": ("outcome", "reason"),
    "reroute": ("team", "reason"),
    "reopen": ("reason",),
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


# Merging and splitting: not transitions of one case but moves between cases
# (``cases.moves``); asked of ``move_role``.
MOVES = ("merge", "split")


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


def locked_case_in_race(actor: User, case_id: uuid.UUID) -> Case:
    """Like ``locked_case``, for steps that take a case out of the actor's scope
    (re-routing it to another team): one that leaves the scope while the actor
    waits for the lock was moved by someone else first, a Conflict (409) rather
    than a 404. The first look is scoped, so "not yours" stays 404.
    """
    if not cases_for(actor).filter(pk=case_id).exists():
        raise Http404
    case = Case.objects.select_for_update(of=("self",)).filter(pk=case_id).first()
    if case is None:
        raise Http404
    if not cases_for(actor).filter(pk=case_id).exists():
        raise Conflict(_("Iemand anders was u voor: de casus is intussen verplaatst."))
    return case


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
    if name == "reroute":
        # Triage may while the case is in the intake, where the state machine
        # answers that refer_to_team (with another team and a reason) is the step.
        if case.state in INTAKE_STATES:
            return Role.TRIAGE if standing.triage else None
        return Role.COORDINATOR if standing.team_coordinator else None
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
    if name == "reopen":
        # Whoever may close it now: the intake closes what never reached a team.
        if case.team_id is None:
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


def _move_role(standing: Standing, case: Case) -> str | None:
    """Triage in the intake, the coordinator within the team: who moves signals between cases.

    A closed case counts where it was closed (the intake when it has no team),
    so that losing a race to a merge is a Conflict, not a refusal.
    """
    if case.state in INTAKE_STATES or (case.state == State.CLOSED and case.team_id is None):
        return Role.TRIAGE if standing.triage else None
    return Role.COORDINATOR if standing.team_coordinator else None


def move_role(actor: User, case: Case, *, other: Case | None = None) -> str:
    """The role in which ``actor`` merges ``other`` into ``case`` (or splits ``case``).

    Both cases must be in one place: both in the intake (triage), or both in a
    team the actor coordinates. PermissionDenied when they are not the actor's
    to move; Conflict when the case is closed.
    """
    standing = Standing.of(actor, case)
    role = _move_role(standing, case)
    if role is not None and other is not None:
        other_role = _move_role(Standing.of(actor, other), other)
        same_place = other.team_id == case.team_id
        if other_role != role or not same_place:
            role = None
    if role is None:
        raise PermissionDenied(_("U mag deze casussen niet samenvoegen of splitsen."))
    if case.state == State.CLOSED or (other is not None and other.state == State.CLOSED):
        raise Conflict(_("Een afgesloten casus wordt niet samengevoegd of gesplitst."))
    return role


def may_move(actor: User, case: Case) -> bool:
    """Whether the case page offers merging and splitting this case."""
    return case.state != State.CLOSED and _move_role(Standing.of(actor, case), case) is not None


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


def correction_role(actor: User, case: Case, author_id: int | None) -> str:
    """The role in which ``actor`` corrects or removes a record of casework on ``case``
    that ``author_id`` wrote: its author or the case's lead, on an open case.

    PermissionDenied for anyone else (who sees the case); Conflict on a closed case.
    """
    standing = Standing.of(actor, case)
    if standing.lead:
        role: str | None = Role.PROFESSIONAL
    elif author_id is not None and author_id == actor.pk:
        role = next((r for r in (Role.TRIAGE, Role.COORDINATOR) if standing.holds(r)), None)
    else:
        role = None
    if role is None:
        raise PermissionDenied(_("Alleen wie dit vastlegde of de regisseur van de casus past het aan."))
    if case.state == State.CLOSED:
        raise Conflict(_("Een afgesloten casus wordt niet meer aangepast."))
    return role


def corrector(actor: User, case: Case) -> Callable[[int | None], bool]:
    """Whether the case page offers to correct or remove a record by a given author
    (``correction_role``); one query for the whole page."""
    standing = Standing.of(actor, case)
    open_case = case.state != State.CLOSED

    def may(author_id: int | None) -> bool:
        own = (
            author_id is not None and author_id == actor.pk and (standing.triage or standing.team_coordinator)
        )
        return open_case and (standing.lead or own)

    return may


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
