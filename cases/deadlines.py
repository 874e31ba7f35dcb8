"""Deadlines in Dutch working days (DESIGN.md, "Deadlines").

Each case has at most one running deadline, derived from its facts:
- awaiting a lead: a lead assigned within N working days of the referral;
- no contact attempt yet: within N working days when urgent, else N days;
- no conversation yet: within N days of receipt.
Days are counted on the Dutch wall clock (``coordination.workdays``): a
deadline falls at the local time of day it started, or at the end of the
last working day counted when it started on a day off.
``refresh_deadline`` sets it whenever those facts change; ``run_deadlines``
marks passed deadlines overdue and notifies once per deadline.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.services import record
from coordination.models import Policy
from coordination.workdays import add_days, add_working_days

from . import notifications
from .models import OPEN_STATES, Case, Deadline, DeadlineBreach, Notification, Priority, State


def deadline_for(case: Case, policy: Policy) -> tuple[str, datetime.datetime | None]:
    if case.state == State.CLOSED:
        return "", None
    if case.state == State.AWAITING_LEAD:
        return Deadline.LEAD_ASSIGNMENT, add_working_days(
            case.state_entered_at, policy.lead_assignment_working_days
        )
    if case.first_contact_at is None:
        if case.priority >= Priority.URGENT:
            return Deadline.FIRST_CONTACT, add_working_days(
                case.opened_at, policy.urgent_first_contact_working_days
            )
        return Deadline.FIRST_CONTACT, add_days(case.opened_at, policy.first_contact_days)
    if case.first_conversation_at is None:
        return Deadline.FIRST_CONVERSATION, add_days(case.opened_at, policy.first_conversation_days)
    return "", None


def refresh_deadline(case: Case, policy: Policy | None = None) -> list[str]:
    """Set the case's running deadline from its facts; returns the fields changed.

    A new deadline starts out not overdue, also when it has already passed:
    the deadline run marks it and notifies, so that happens in one place. The
    caller saves the fields.
    """
    kind, due_at = deadline_for(case, policy or Policy.current())
    if (kind, due_at) == (case.deadline, case.due_at):
        return []
    case.deadline, case.due_at, case.overdue = kind, due_at, False
    return ["deadline", "due_at", "overdue"]


@dataclass(frozen=True)
class DeadlineRun:
    marked_overdue: int
    notified: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_deadlines(now: datetime.datetime | None = None) -> DeadlineRun:
    """Mark open cases whose deadline passed as overdue and notify their owners
    and the team's coordinators, once per deadline however often this runs."""
    now = now or timezone.now()
    marked = notified = 0
    due = Case.objects.filter(state__in=OPEN_STATES, overdue=False, due_at__lte=now).values_list(
        "pk", flat=True
    )
    for case_id in list(due):
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("lead", "claimed_by")
                .filter(pk=case_id, overdue=False, due_at__lte=now)
                .first()
            )
            if case is None:  # moved on meanwhile, or another run has it
                continue
            if case.due_at is None:  # the filter above excludes it; a deadline needs a due time
                continue
            Case.objects.filter(pk=case.pk).update(overdue=True)
            marked += 1
            _, first_time = DeadlineBreach.objects.get_or_create(
                case=case, deadline=case.deadline, due_at=case.due_at
            )
            if first_time:
                recipients = [*notifications.case_owners(case), *notifications.team_coordinators(case)]
                notified += notifications.enqueue(
                    case, Notification.Kind.OVERDUE, recipients, f"{case.deadline}:{case.due_at.isoformat()}"
                )
                record(
                    actor=None,
                    event_type="write",
                    action="case.deadline.overdue",
                    object_type="case",
                    object_id=str(case.pk),
                    case_id=case.pk,
                    subject_id=str(case.household_id),
                    detail={"deadline": case.deadline},
                )
    return DeadlineRun(marked_overdue=marked, notified=notified)
