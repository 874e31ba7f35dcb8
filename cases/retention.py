"""Erasing personal data after the retention periods (DESIGN.md, "Retention").

Erasure empties every encrypted field of a closed case, its transitions,
contacts, plan and network, and drops the household's blind match keys; the
signals app erases the case's signals in the same transaction and the signals
that never became a case (``signals.retention``, which runs both). What stays
is anonymous: signal type and month, district, outcome, the case's timestamps
(so deadline compliance still counts) and the access log, which never held
plaintext personal data. Each erasure is itself logged.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q

from audit.services import record
from coordination.models import Policy
from helpers.crypto import encrypted_fields

from .models import (
    HELP_ACCEPTED_OUTCOMES,
    Case,
    CasePlan,
    CaseTransition,
    ContactAttempt,
    HouseholdKey,
    NetworkMember,
    Outcome,
    PartialKey,
    PlanAction,
    PlanGoal,
    RecordChange,
    SearchKey,
    State,
)

# Closed with one of these, the household got help.
HELP_OUTCOMES = HELP_ACCEPTED_OUTCOMES | {
    Outcome.ADVICE_QUICK_FIX,
    Outcome.SOLVED_BY_RESIDENT,
    Outcome.ALREADY_IN_DEBT_CARE,
    Outcome.OTHER_ONGOING_SUPPORT,
}


def months_ago(now: datetime.datetime, months: int) -> datetime.datetime:
    # Calendar months, clamped to the month's last day (31 Aug - 6 months = 28/29 Feb).
    year, month = divmod(now.month - 1 - months, 12)
    year, month = now.year + year, month + 1
    day = now.day
    while True:
        try:
            return now.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


def blank_encrypted(model: type[models.Model], qs: models.QuerySet[Any]) -> int:
    fields = {f.attname: None for f in encrypted_fields(model)}
    # update() bypasses encryption, which is exactly right for writing NULL.
    return qs.update(**fields)


def due_for_erasure(now: datetime.datetime, policy: Policy) -> models.QuerySet[Case]:
    # Contact: a conversation was recorded, or a lead professional took the case on.
    accepted = CaseTransition.objects.filter(case=OuterRef("pk"), name="accept")
    had_contact = Q(first_conversation_at__isnull=False) | Q(Exists(accepted))
    helped = Q(outcome__in=HELP_OUTCOMES)
    with_help = helped & Q(closed_at__lt=months_ago(now, policy.retention_after_help_months))
    without_help = (
        ~helped & had_contact & Q(closed_at__lt=months_ago(now, policy.retention_contact_without_help_months))
    )
    without_contact = (
        ~helped & ~had_contact & Q(opened_at__lt=months_ago(now, policy.retention_without_contact_months))
    )
    return Case.objects.filter(state=State.CLOSED, erased_at__isnull=True).filter(
        without_contact | without_help | with_help
    )


def erase_case(case: Case, now: datetime.datetime) -> None:
    """Erase the personal data the case itself holds. Runs in the caller's transaction,
    in which ``signals.retention`` erases the case's signals too."""
    blank_encrypted(CaseTransition, CaseTransition.objects.filter(case=case))
    blank_encrypted(ContactAttempt, ContactAttempt.objects.filter(case=case))
    blank_encrypted(PlanAction, PlanAction.objects.filter(goal__case=case))
    blank_encrypted(PlanGoal, PlanGoal.objects.filter(case=case))
    blank_encrypted(CasePlan, CasePlan.objects.filter(case=case))
    blank_encrypted(RecordChange, RecordChange.objects.filter(case=case))
    network = NetworkMember.objects.filter(case=case)
    blank_encrypted(NetworkMember, network)
    # Not encrypted, but with the household's case they say who helps this family (a debt
    # counsellor, a youth-care team): as personal as the names beside them.
    network.update(organisation="", role="")
    Case.objects.filter(pk=case.pk).update(outcome_reason=None, erased_at=now)
    # The match keys identify the household; without them a later signal
    # starts a new household, as it should once the past is forgotten.
    still_held = Case.objects.filter(household_id=case.household_id, erased_at__isnull=True).exclude(
        pk=case.pk
    )
    if not still_held.exists():
        HouseholdKey.objects.filter(household_id=case.household_id).delete()
        PartialKey.objects.filter(household_id=case.household_id).delete()
        SearchKey.objects.filter(household_id=case.household_id).delete()
    record(
        actor=None,
        event_type="erase",
        action="case.erase",
        object_type="case",
        object_id=str(case.pk),
        case_id=case.pk,
        subject_id=str(case.household_id),
    )
