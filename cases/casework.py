"""Work on a case besides its transitions: contact attempts, the plan, the network."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from coordination.models import User

from . import events, permissions
from .deadlines import refresh_deadline
from .models import Case, ContactAttempt, NetworkMember, PlanAction, PlanGoal

# A contact attempt with one of these results was a conversation with the household.
CONVERSATION_RESULTS = {
    ContactAttempt.Result.REACHED,
    ContactAttempt.Result.APPOINTMENT,
    ContactAttempt.Result.DECLINED,
}

# How far ahead of the server's clock a contact time may lie: the clock of the
# device it was typed on may run a little fast.
CONTACT_CLOCK_SKEW = datetime.timedelta(minutes=5)


def _log(actor: User, role: str, case: Case, action: str, object_type: str, object_id: Any) -> None:
    record(
        actor=actor,
        role=role,
        event_type="write",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        case_id=case.pk,
        subject_id=str(case.household_id),
    )


@transaction.atomic
def record_contact_attempt(
    *,
    actor: User,
    case_id: uuid.UUID,
    channel: str,
    result: str,
    at: datetime.datetime | None = None,
    note: str = "",
) -> ContactAttempt:
    """A triage officer during outreach, or the lead afterwards, records a contact attempt
    (``permissions.CASEWORK_STATES``).

    ``at`` (default now) lies between the opening of the case and a few
    minutes from now (``CONTACT_CLOCK_SKEW``); otherwise a ValidationError on ``at``.
    """
    case = permissions.locked_case(actor, case_id)
    role = permissions.casework_role(actor, case, permissions.CONTACT)
    now = timezone.now()
    at = at or now
    _check_contact_time(case, at, now)
    attempt = ContactAttempt.objects.create(
        case=case, channel=channel, result=result, at=at, note=note or None, by=actor
    )
    # The first attempt and the first conversation end their deadlines.
    if case.first_contact_at is None or attempt.at < case.first_contact_at:
        case.first_contact_at = attempt.at
    if result in CONVERSATION_RESULTS and (
        case.first_conversation_at is None or attempt.at < case.first_conversation_at
    ):
        case.first_conversation_at = attempt.at
    refresh_deadline(case)
    case.save(update_fields=["first_contact_at", "first_conversation_at", "deadline", "due_at", "overdue"])
    _log(actor, role, case, "case.contact.create", "contact_attempt", attempt.pk)
    return attempt


def _check_contact_time(case: Case, at: datetime.datetime, now: datetime.datetime) -> None:
    """A contact attempt happened while the case existed: it ends deadlines, so
    a time before the case or in the future would mark one as met that was not."""
    # Whole minutes: a form gives the minute, so "now" on a case opened
    # seconds ago must not count as before it.
    if at < case.opened_at.replace(second=0, microsecond=0):
        opened = timezone.localtime(case.opened_at).strftime("%d-%m-%Y %H:%M")
        raise ValidationError(
            {"at": _("Dit tijdstip ligt vóór het begin van de casus (%(opened)s).") % {"opened": opened}}
        )
    if at > now + CONTACT_CLOCK_SKEW:
        raise ValidationError({"at": _("Dit tijdstip ligt in de toekomst.")})


@transaction.atomic
def add_plan_goal(
    *, actor: User, case_id: uuid.UUID, description: str, actions: list[dict[str, Any]] | None = None
) -> PlanGoal:
    """The lead adds a goal (last in priority) with its actions (owner, due date)."""
    case = permissions.locked_case(actor, case_id)
    role = permissions.casework_role(actor, case, permissions.PLAN)
    position = (case.goals.aggregate(m=Max("position"))["m"] or 0) + 1
    goal = PlanGoal.objects.create(case=case, position=position, description=description, created_by=actor)
    PlanAction.objects.bulk_create(
        [
            PlanAction(
                goal=goal,
                description=action["description"],
                owner=action.get("owner") or None,
                due_date=action.get("due_date"),
            )
            for action in actions or []
        ]
    )
    _log(actor, role, case, "case.plan.goal.create", "plan_goal", goal.pk)
    return goal


@transaction.atomic
def add_network_member(
    *, actor: User, case_id: uuid.UUID, organisation: str, role: str, person: str = "", contact: str = ""
) -> NetworkMember:
    """The lead records who else is involved with the household."""
    case = permissions.locked_case(actor, case_id)
    acting = permissions.casework_role(actor, case, permissions.NETWORK)
    member = NetworkMember.objects.create(
        case=case,
        organisation=organisation,
        role=role,
        person=person or None,
        contact=contact or None,
        added_by=actor,
    )
    _log(actor, acting, case, "case.network.create", "network_member", member.pk)
    return member


@transaction.atomic
def record_help_accepted(*, actor: User, case_id: uuid.UUID, on: datetime.date | None = None) -> Case:
    """The lead records the day the household accepted help (default today).

    The case's signals then show their partners ``help_accepted`` with that
    day and the day until which collection is to be suspended; nothing else
    about the case. The first recorded day stands: recording it again changes
    nothing, so a partner's suspension is never shortened or moved.
    """
    case = permissions.locked_case(actor, case_id)
    role = permissions.casework_role(actor, case, permissions.HELP_ACCEPTED)
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ValidationError({"on": _("Deze datum ligt in de toekomst.")})
    if on < timezone.localdate(case.opened_at):
        raise ValidationError({"on": _("Deze datum ligt vóór het begin van de casus.")})
    if case.help_accepted_on is not None:
        return case
    case.help_accepted_on = on
    case.save(update_fields=["help_accepted_on"])
    # The partners' signals follow (signals.receivers), in this transaction.
    events.case_moved.send(sender=Case, case=case)
    _log(actor, role, case, "case.help_accepted", "case", case.pk)
    return case
