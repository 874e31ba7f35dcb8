"""Work on a case besides its transitions: contact attempts, the plan, the network."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Min
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import record
from coordination.models import User

from . import events, permissions
from .deadlines import refresh_deadline
from .models import Case, CasePlan, ContactAttempt, NetworkMember, PlanAction, PlanGoal, RecordChange

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


def _recount_contacts(case: Case) -> None:
    """The first attempt and first conversation again, from the attempts that remain
    after a correction: a wrong entry must not keep a deadline met."""
    remaining = ContactAttempt.objects.filter(case=case)
    case.first_contact_at = remaining.aggregate(m=Min("at"))["m"]
    case.first_conversation_at = remaining.filter(result__in=CONVERSATION_RESULTS).aggregate(m=Min("at"))["m"]
    refresh_deadline(case)
    case.save(update_fields=["first_contact_at", "first_conversation_at", "deadline", "due_at", "overdue"])


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


# ---------------------------------------------------------------- corrections
#
# The author of a record or the case's lead corrects it or removes it
# (``permissions.correction_role``). A removal needs a reason; the row goes,
# and a ``RecordChange`` keeps in the timeline what it was (no personal data),
# who removed it, when and why.


def _trace(
    actor: User, case: Case, kind: str, change: str, object_id: uuid.UUID, label: str, reason: str = ""
) -> RecordChange:
    return RecordChange.objects.create(
        case=case,
        kind=kind,
        change=change,
        object_id=object_id,
        label=label,
        actor=actor,
        reason=reason or None,
    )


def _removal_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Geef een reden voor het verwijderen.")})
    return reason


def _contact_of(case: Case, contact_id: uuid.UUID) -> ContactAttempt:
    attempt = ContactAttempt.objects.filter(case=case, pk=contact_id).first()
    if attempt is None:
        raise Http404
    return attempt


def _contact_label(attempt: ContactAttempt) -> str:
    at = timezone.localtime(attempt.at).strftime("%d-%m-%Y %H:%M")
    with translation.override(settings.LANGUAGE_CODE):
        return f"{attempt.get_channel_display()}, {at}"


@transaction.atomic
def update_contact_attempt(
    *, actor: User, case_id: uuid.UUID, contact_id: uuid.UUID, **changes: Any
) -> ContactAttempt:
    """Correct a contact attempt: ``channel``, ``result``, ``at`` and ``note``, each optional."""
    case = permissions.locked_case(actor, case_id)
    attempt = _contact_of(case, contact_id)
    role = permissions.correction_role(actor, case, attempt.by_id)
    if "at" in changes:
        changes["at"] = changes["at"] or attempt.at
        _check_contact_time(case, changes["at"], timezone.now())
    if "note" in changes:
        changes["note"] = changes["note"] or None
    for name in ("channel", "result", "at", "note"):
        if name in changes:
            setattr(attempt, name, changes[name])
    attempt.save()
    _recount_contacts(case)
    _trace(
        actor,
        case,
        RecordChange.Kind.CONTACT,
        RecordChange.Change.EDITED,
        attempt.pk,
        _contact_label(attempt),
    )
    _log(actor, role, case, "case.contact.update", "contact_attempt", attempt.pk)
    return attempt


@transaction.atomic
def remove_contact_attempt(
    *, actor: User, case_id: uuid.UUID, contact_id: uuid.UUID, reason: str = ""
) -> None:
    """Remove a contact attempt (entered on the wrong case, say), with a reason."""
    case = permissions.locked_case(actor, case_id)
    attempt = _contact_of(case, contact_id)
    role = permissions.correction_role(actor, case, attempt.by_id)
    reason = _removal_reason(reason)
    label = _contact_label(attempt)
    attempt.delete()
    _recount_contacts(case)
    _trace(actor, case, RecordChange.Kind.CONTACT, RecordChange.Change.REMOVED, contact_id, label, reason)
    _log(actor, role, case, "case.contact.delete", "contact_attempt", contact_id)


def _goal_of(case: Case, goal_id: uuid.UUID) -> PlanGoal:
    goal = PlanGoal.objects.select_for_update().filter(case=case, pk=goal_id).first()
    if goal is None:
        raise Http404
    return goal


# Labels are stored with the trace, so in one language whoever writes them (as the
# timeline's other summaries are): no translation at write time.
def _goal_label(goal: PlanGoal) -> str:
    return f"Doel {goal.position}"


@transaction.atomic
def update_plan_goal(*, actor: User, case_id: uuid.UUID, goal_id: uuid.UUID, **changes: Any) -> PlanGoal:
    """Correct a goal's ``description`` or mark it ``achieved``."""
    case = permissions.locked_case(actor, case_id)
    goal = _goal_of(case, goal_id)
    role = permissions.correction_role(actor, case, goal.created_by_id)
    for name in ("description", "achieved"):
        if name in changes:
            setattr(goal, name, changes[name])
    goal.save()
    _trace(actor, case, RecordChange.Kind.GOAL, RecordChange.Change.EDITED, goal.pk, _goal_label(goal))
    _log(actor, role, case, "case.plan.goal.update", "plan_goal", goal.pk)
    return goal


@transaction.atomic
def remove_plan_goal(*, actor: User, case_id: uuid.UUID, goal_id: uuid.UUID, reason: str = "") -> None:
    """Remove a goal and its actions, with a reason; the goals after it move up in priority."""
    case = permissions.locked_case(actor, case_id)
    goal = _goal_of(case, goal_id)
    role = permissions.correction_role(actor, case, goal.created_by_id)
    reason = _removal_reason(reason)
    label, position = _goal_label(goal), goal.position
    goal.delete()
    PlanGoal.objects.filter(case=case, position__gt=position).update(position=F("position") - 1)
    _trace(actor, case, RecordChange.Kind.GOAL, RecordChange.Change.REMOVED, goal_id, label, reason)
    _log(actor, role, case, "case.plan.goal.delete", "plan_goal", goal_id)


@transaction.atomic
def add_plan_action(
    *,
    actor: User,
    case_id: uuid.UUID,
    goal_id: uuid.UUID,
    description: str,
    owner: str | None = None,
    due_date: datetime.date | None = None,
) -> PlanAction:
    """The lead adds an action (owner, due date) to a goal; a goal has as many as it needs."""
    case = permissions.locked_case(actor, case_id)
    role = permissions.casework_role(actor, case, permissions.PLAN)
    goal = _goal_of(case, goal_id)
    action = PlanAction.objects.create(
        goal=goal, description=description, owner=owner or None, due_date=due_date
    )
    _log(actor, role, case, "case.plan.action.create", "plan_action", action.pk)
    return action


def _action_of(goal: PlanGoal, action_id: uuid.UUID) -> PlanAction:
    action = PlanAction.objects.filter(goal=goal, pk=action_id).first()
    if action is None:
        raise Http404
    return action


def _action_label(goal: PlanGoal) -> str:
    return f"Actie bij doel {goal.position}"


@transaction.atomic
def update_plan_action(
    *, actor: User, case_id: uuid.UUID, goal_id: uuid.UUID, action_id: uuid.UUID, **changes: Any
) -> PlanAction:
    """Correct an action (``description``, ``owner``, ``due_date``) or mark it ``done``;
    by the goal's author or the lead."""
    case = permissions.locked_case(actor, case_id)
    goal = _goal_of(case, goal_id)
    action = _action_of(goal, action_id)
    role = permissions.correction_role(actor, case, goal.created_by_id)
    if "owner" in changes:
        changes["owner"] = changes["owner"] or None
    for name in ("description", "owner", "due_date", "done"):
        if name in changes:
            setattr(action, name, changes[name])
    action.save()
    _trace(actor, case, RecordChange.Kind.ACTION, RecordChange.Change.EDITED, action.pk, _action_label(goal))
    _log(actor, role, case, "case.plan.action.update", "plan_action", action.pk)
    return action


@transaction.atomic
def remove_plan_action(
    *, actor: User, case_id: uuid.UUID, goal_id: uuid.UUID, action_id: uuid.UUID, reason: str = ""
) -> None:
    case = permissions.locked_case(actor, case_id)
    goal = _goal_of(case, goal_id)
    action = _action_of(goal, action_id)
    role = permissions.correction_role(actor, case, goal.created_by_id)
    reason = _removal_reason(reason)
    action.delete()
    _trace(
        actor,
        case,
        RecordChange.Kind.ACTION,
        RecordChange.Change.REMOVED,
        action_id,
        _action_label(goal),
        reason,
    )
    _log(actor, role, case, "case.plan.action.delete", "plan_action", action_id)


def _member_of(case: Case, member_id: uuid.UUID) -> NetworkMember:
    member = NetworkMember.objects.filter(case=case, pk=member_id).first()
    if member is None:
        raise Http404
    return member


def _member_label() -> str:
    # Not the organisation's name: with the household's case it says who helps this family.
    return "Netwerklid"


@transaction.atomic
def update_network_member(
    *, actor: User, case_id: uuid.UUID, member_id: uuid.UUID, **changes: Any
) -> NetworkMember:
    """Correct a network member: ``organisation``, ``role``, ``person``, ``contact``."""
    case = permissions.locked_case(actor, case_id)
    member = _member_of(case, member_id)
    acting = permissions.correction_role(actor, case, member.added_by_id)
    for name in ("organisation", "role", "person", "contact"):
        if name in changes:
            value = changes[name]
            setattr(member, name, value if name in ("organisation", "role") else (value or None))
    member.save()
    _trace(actor, case, RecordChange.Kind.NETWORK, RecordChange.Change.EDITED, member.pk, _member_label())
    _log(actor, acting, case, "case.network.update", "network_member", member.pk)
    return member


@transaction.atomic
def remove_network_member(*, actor: User, case_id: uuid.UUID, member_id: uuid.UUID, reason: str = "") -> None:
    case = permissions.locked_case(actor, case_id)
    member = _member_of(case, member_id)
    acting = permissions.correction_role(actor, case, member.added_by_id)
    reason = _removal_reason(reason)
    member.delete()
    _trace(
        actor,
        case,
        RecordChange.Kind.NETWORK,
        RecordChange.Change.REMOVED,
        member_id,
        _member_label(),
        reason,
    )
    _log(actor, acting, case, "case.network.delete", "network_member", member_id)


@transaction.atomic
def set_plan(
    *, actor: User, case_id: uuid.UUID, strengths: str = "", problems: list[str] | None = None
) -> CasePlan:
    """The lead writes what goes well and the problems, most pressing first (replacing what was there)."""
    case = permissions.locked_case(actor, case_id)
    role = permissions.casework_role(actor, case, permissions.PLAN)
    listed = [problem.strip().replace("\n", " ") for problem in problems or [] if problem.strip()]
    plan = CasePlan.objects.filter(case=case).first() or CasePlan(case=case, changed_by=actor)
    plan.strengths = strengths.strip() or None
    plan.problems = "\n".join(listed) or None
    plan.changed_by = actor
    plan.changed_at = timezone.now()
    plan.save()
    _trace(actor, case, RecordChange.Kind.PLAN, RecordChange.Change.EDITED, case.pk, "Plan")
    _log(actor, role, case, "case.plan.update", "case_plan", case.pk)
    return plan


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
