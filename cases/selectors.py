"""Reads of cases, scoped to the actor in SQL (the scope is ``permissions.cases_for``)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from audit.services import record
from coordination.models import CASE_ROLES, Role, User

from . import pagination
from .matching import Evidence
from .models import (
    OPEN_STATES,
    Case,
    CaseAccessGrant,
    CaseTransition,
    ContactAttempt,
    PlanGoal,
    PossibleMatch,
    Priority,
    RecordChange,
    State,
)
from .permissions import INTAKE_STATES, cases_for, may_break_glass

QUEUES = {"intake": Role.TRIAGE, "team": Role.COORDINATOR, "mine": Role.PROFESSIONAL}
"""The web's queues, each one role's part of the actor's queue: the intake
(triage), the team queue (coordinators) and the cases one leads (professionals)."""

QUEUE_COUNT_CAP = 1000
"""A queue page counts its cases up to here and says "more than" above it."""


def queue_parts(
    actor: User,
    *,
    queue: str | None = None,
    state: str | None = None,
    team: uuid.UUID | None = None,
    lead: int | None = None,
    priority: int | None = None,
    overdue: bool | None = None,
    tray: int | None = None,
) -> list[QuerySet[Case]]:
    """The actor's queue as parts that each follow one index in queue order.

    Together they hold exactly the actor's scope (open cases, unless a state
    is asked for); with ``queue`` (a key of ``QUEUES``) only that role's part
    of it, and then the parts do not overlap. A scope written as one OR of
    roles, teams and states makes PostgreSQL scan and sort every case in it;
    one part per team, per intake state and for the cases one leads is an
    index range scan each, and the page is merged from their heads
    (``pagination.page_of``).
    """
    states = [state] if state else None
    only = QUEUES[queue] if queue else None
    parts: list[QuerySet[Case]] = []
    if only in (None, Role.TRIAGE) and actor.has_role(Role.TRIAGE):
        if states is None:
            parts += [Case.objects.filter(state=s) for s in INTAKE_STATES]
        elif state in INTAKE_STATES:
            parts.append(Case.objects.filter(state=state))
        elif state == State.CLOSED:
            parts.append(Case.objects.filter(state=State.CLOSED, team__isnull=True))
    if only in (None, Role.COORDINATOR) and actor.has_role(Role.COORDINATOR):
        for team_id in actor.teams.values_list("pk", flat=True):
            part = Case.objects.filter(team_id=team_id)
            parts.append(part.filter(state=state) if state else part.exclude(state=State.CLOSED))
    if only in (None, Role.PROFESSIONAL) and actor.has_role(Role.PROFESSIONAL):
        part = Case.objects.filter(lead=actor)
        # The open states as a list: on the (lead, state) index that is a range
        # to count in, where "not closed" would pass every closed case first.
        parts.append(part.filter(state=state) if state else part.filter(state__in=OPEN_STATES))
    narrowed = []
    for part in parts:
        if team:
            part = part.filter(team_id=team)
        if lead:
            part = part.filter(lead_id=lead)
        if priority is not None:
            part = part.filter(priority=priority)
        if overdue is not None:
            part = part.filter(overdue=overdue)
        if tray is not None:
            part = part.filter(tray_id=tray)
        narrowed.append(part.select_related(*QUEUE_RELATED))
    return narrowed


QUEUE_RELATED = ("team", "district__team", "lead", "tray")
"""What a queue row shows with its case."""


def queue_cases(ids: list[uuid.UUID]) -> QuerySet[Case]:
    """Cases of a queue page by id, with what a queue row shows; the ids come from
    the actor's ``queue_parts``."""
    return Case.objects.filter(pk__in=ids).select_related(*QUEUE_RELATED)


@dataclass(frozen=True)
class QueueRead:
    page: pagination.QueuePage
    count: int | None
    """Cases in the whole queue up to ``QUEUE_COUNT_CAP`` + 1 (None: not counted)."""


def queue_page(
    actor: User,
    *,
    queue: str | None = None,
    size: int = pagination.DEFAULT_PAGE_SIZE,
    after: pagination.Key | None = None,
    before: pagination.Key | None = None,
    counted: bool = False,
    **filters: Any,
) -> QueueRead:
    """One page of the actor's queue (or of one of its ``QUEUES``), overdue first,
    then highest priority, then oldest; the API and the web pages read it here.

    Paged by key (``after`` / ``before`` a row's sort keys, see
    ``cases.pagination``): no OFFSET, and no full COUNT — ``counted`` adds a
    count capped at ``QUEUE_COUNT_CAP`` (one query whatever the queue's size),
    only for one of the ``QUEUES``, whose parts do not overlap.
    """
    parts = queue_parts(actor, queue=queue, **filters)
    page = pagination.page_of(parts, size=size, load=queue_cases, after=after, before=before)
    count = None
    if counted and queue:
        # Priority and overdue as the queue ranks they make: an index condition
        # for the count (each part's index has queue_rank second), so a narrow
        # filter is counted in the index instead of case by case.
        ranks = _queue_ranks(filters.get("priority"), filters.get("overdue"))
        count = pagination.capped_count(
            [part.filter(queue_rank__in=ranks) for part in parts], QUEUE_COUNT_CAP
        )
    return QueueRead(page=page, count=count)


def _queue_ranks(priority: int | None, overdue: bool | None) -> list[int]:
    """The ``Case.queue_rank`` values of cases with this priority and overdue flag (None: any)."""
    return [
        (0 if late else 100) + 100 - level
        for level in ([priority] if priority is not None else Priority.values)
        for late in ([overdue] if overdue is not None else [True, False])
    ]


@dataclass(frozen=True)
class CaseRead:
    case: Case
    break_glass: bool
    reason: str = ""
    """Break the glass: the reason given for the grant the case is read under."""
    until: datetime.datetime | None = None
    """Break the glass: when the grant runs out."""


def _with_case_content(qs: QuerySet[Case]) -> QuerySet[Case]:
    # The case's own rows; its signals belong to the signals app, which the
    # case file (``casefile``) reads beside these.
    return qs.select_related(
        "team", "district__team", "lead", "claimed_by", "plan_texts", "tray", "previous_case"
    ).prefetch_related(
        Prefetch("transitions", queryset=CaseTransition.objects.select_related("actor").order_by("at")),
        Prefetch("contacts", queryset=ContactAttempt.objects.select_related("by").order_by("at")),
        Prefetch("goals", queryset=PlanGoal.objects.prefetch_related("actions")),
        "network",
        Prefetch("record_changes", queryset=RecordChange.objects.select_related("actor").order_by("at")),
        # The repeat cases opened after this one closed: their references only.
        Prefetch(
            "later_cases",
            queryset=Case.objects.only("pk", "reference", "opened_at", "previous_case_id").order_by(
                "opened_at"
            ),
        ),
    )


def _case_unlogged(actor: User, case_id: uuid.UUID) -> CaseRead:
    """The case with everything the case page and API show (a fixed number of queries).

    Not logged: callers go through ``read_case_logged``. A case outside the
    actor's scope is 404, the same as a case that does not exist, unless a
    triage officer or coordinator holds a running break-the-glass grant for it
    (``cases.access``): then it is read as such, with the grant's reason.
    """
    case = _with_case_content(cases_for(actor)).filter(pk=case_id).first()
    if case is not None:
        return CaseRead(case=case, break_glass=False)
    if may_break_glass(actor):
        grant = running_grant(actor, case_id)
        if grant is not None:
            case = _with_case_content(Case.objects.all()).filter(pk=case_id).first()
            if case is not None:
                return CaseRead(
                    case=case, break_glass=True, reason=grant.reason or "", until=grant.expires_at
                )
    raise Http404


def running_grant(actor: User, case_id: uuid.UUID) -> CaseAccessGrant | None:
    """The actor's break-the-glass grant for this case that has not run out, if any."""
    return (
        CaseAccessGrant.objects.filter(case_id=case_id, user=actor, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )


@dataclass(frozen=True)
class PossibleMatchRead:
    case: Case
    evidence: str

    @property
    def evidence_label(self) -> str:
        return str(Evidence(self.evidence).label)


def possible_matches(actor: User, case: Case) -> list[PossibleMatchRead]:
    """The other cases marked as possibly the same household as ``case``, as far
    as the actor may see them (a case read by breaking the glass shows only
    the marks that lead into the actor's own scope). One query."""
    visible = cases_for(actor)
    marks = (
        PossibleMatch.objects.filter(Q(case=case, other__in=visible) | Q(other=case, case__in=visible))
        .select_related("case", "other")
        .order_by("found_at", "id")
    )
    return [
        PossibleMatchRead(case=mark.other if mark.case_id == case.pk else mark.case, evidence=mark.evidence)
        for mark in marks
    ]


def _roles(actor: User) -> str:
    return ",".join(sorted(r for r in actor.roles if r in CASE_ROLES))


def read_case_logged(*, actor: User, case_id: uuid.UUID) -> CaseRead:
    """``_case_unlogged`` plus its access-log entry: what every case page and API read calls.

    The entry is written before anything is returned; if it cannot be
    written this raises, and no personal data leaves (fail closed). A read
    under a break-the-glass grant is logged as such, with the grant's reason
    as its purpose (where the auditor's pages show it).
    """
    read = _case_unlogged(actor, case_id)
    record(
        actor=actor,
        role=_roles(actor),
        event_type="read",
        action="case.read",
        object_type="case",
        object_id=str(read.case.pk),
        case_id=read.case.pk,
        subject_id=str(read.case.household_id),
        break_glass=read.break_glass,
        purpose=read.reason if read.break_glass else "",
    )
    return read


def log_queue_read(*, actor: User, count: int) -> None:
    """A queue page shows no personal data, but who looked at which queue is kept too."""
    record(
        actor=actor,
        role=_roles(actor),
        event_type="read",
        action="case.list",
        object_type="case",
        detail={"count": count},
    )


def timeline(case: Case) -> list[dict[str, Any]]:
    """Transitions, contacts and plan and network changes, oldest first (the case
    file adds its signals: ``casefile.contents.timeline``).

    Every item has ``at``, ``kind``, ``summary`` and ``actor``; transitions
    also carry ``reason`` and their ``name``, ``source`` and ``target`` codes.

    Works on the prefetched relations of ``_case_unlogged``: no queries of its own.
    """
    items: list[dict[str, Any]] = []
    for step in case.transitions.all():
        items.append(
            {
                "at": step.at,
                "kind": "transition",
                "summary": f"{step.name}: {step.source} → {step.target}",
                # The same as the summary, for readers that label them (the case page).
                "name": step.name,
                "source": step.source,
                "target": step.target,
                "reason": step.reason,
                "actor": step.actor.display_name,
            }
        )
    for contact in case.contacts.all():
        items.append(
            {
                "at": contact.at,
                "kind": "contact",
                "summary": f"{contact.get_channel_display()}: {contact.get_result_display()}",
                "actor": contact.by.display_name,
            }
        )
    for goal in case.goals.all():
        items.append(
            {"at": goal.created_at, "kind": "plan", "summary": f"Doel {goal.position}", "actor": None}
        )
    for member in case.network.all():
        items.append(
            {
                "at": member.added_at,
                "kind": "network",
                "summary": f"{member.organisation} ({member.role})",
                "actor": None,
            }
        )
    for change in case.record_changes.all():
        # A correction or removal: what it was (no personal data), by whom, when and why.
        items.append(
            {
                "at": change.at,
                "kind": change.kind,
                "summary": f"{change.label} {change.get_change_display()}",
                "change": change.change,
                "reason": change.reason,
                "actor": change.actor.display_name,
            }
        )
    return sorted(items, key=lambda item: item["at"])


def case_id_by_reference(actor: User, reference: str) -> uuid.UUID | None:
    """The id of the case in the actor's scope with this reference (``C-…``), or None.

    A reference and an id are no personal data: nothing to log until the case is read.
    """
    wanted = reference.strip().upper()
    if not wanted:
        return None
    found: uuid.UUID | None = cases_for(actor).filter(reference=wanted).values_list("pk", flat=True).first()
    return found
