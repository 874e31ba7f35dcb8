"""Writes on households and cases."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from coordination.selectors import district_for_postcode

from . import notifications
from .deadlines import refresh_deadline
from .matching import SubjectFacts, match_keys, normalise_postcode
from .models import OPEN_STATES, Case, Household, HouseholdKey, Notification, Priority

THREATS = frozenset({"eviction", "disconnection", "end_of_supply"})


@dataclass(frozen=True)
class SignalFacts:
    """What of a new signal decides its case's priority."""

    threat: str
    children_in_household: str
    creditor: str


@dataclass(frozen=True)
class Placement:
    case: Case
    created: bool  # a new case was opened (False: joined an open case)


def priority_for(facts: list[SignalFacts]) -> int:
    """Urgent with a threat; raised with children or two or more kinds of creditor."""
    if any(f.threat in THREATS for f in facts):
        return Priority.URGENT
    creditors = {f.creditor for f in facts if f.creditor}
    if len(creditors) >= 2 or any(f.children_in_household == "yes" for f in facts):
        return Priority.RAISED
    return Priority.NORMAL


def _lock_match_keys(keys: set[str]) -> None:
    # Two signals about one new household arriving at once must not open two
    # cases. A transaction-scoped advisory lock per key serialises exactly
    # those signals and nothing else; SQLite serialises all writers anyway.
    if connection.vendor != "postgresql":
        return
    if not keys:
        return
    with connection.cursor() as cursor:
        # One order everywhere (sorted): no deadlocks between two such signals.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(%s::text[]) AS k ORDER BY k",
            [sorted(keys)],
        )


def place_signal(*, subject: SubjectFacts, facts: SignalFacts, signal_id: str) -> Placement:
    """Find the household by its blind keys and the open case it has, or open one.

    Must run inside the caller's transaction, which then saves the signal with
    the returned case. A household found by several keys that belong to
    different known households joins the oldest open case among them;
    triage merges households if that was wrong.
    """
    assert transaction.get_connection().in_atomic_block, "place_signal needs a transaction"
    keys = match_keys(subject)
    _lock_match_keys(keys)

    household_ids = list(
        HouseholdKey.objects.filter(digest__in=keys).values_list("household_id", flat=True).distinct()
    )
    case = (
        Case.objects.select_for_update()
        .filter(household_id__in=household_ids, state__in=OPEN_STATES)
        .order_by("opened_at")
        .first()
        if household_ids
        else None
    )
    if case is not None:
        household_id = case.household_id
    elif household_ids:
        household_id = household_ids[0]
    else:
        household_id = Household.objects.create().id
    HouseholdKey.objects.bulk_create(
        [HouseholdKey(digest=k, household_id=household_id) for k in keys], ignore_conflicts=True
    )

    now = timezone.now()
    if case is not None:
        existing = [
            SignalFacts(threat=t, children_in_household=c, creditor=cr)
            for t, c, cr in case.signals.values_list(
                "threat", "children_in_household", "signal_type__creditor"
            )
        ]
        case.priority = max(case.priority, priority_for([*existing, facts]))
        changed = refresh_deadline(case)  # a threat brings the first-contact deadline forward
        Case.objects.filter(pk=case.pk).update(
            signal_count=F("signal_count") + 1,
            last_signal_at=now,
            priority=case.priority,
            **{name: getattr(case, name) for name in changed},
        )
        case.refresh_from_db(fields=["signal_count", "last_signal_at"])
        # The case's owner is told; the mail names the case, not the household.
        notifications.enqueue(case, Notification.Kind.NEW_SIGNAL, notifications.case_holder(case), signal_id)
        return Placement(case=case, created=False)

    district = district_for_postcode(normalise_postcode(subject.postcode))
    case = Case(
        household_id=household_id,
        priority=priority_for([facts]),
        district=district,  # routing: its team is the default for refer_to_team
        opened_at=now,
        state_entered_at=now,
        last_signal_at=now,
        signal_count=1,
    )
    refresh_deadline(case)
    case.save(force_insert=True)
    return Placement(case=case, created=True)
