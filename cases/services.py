"""Writes on households and cases."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from coordination.models import Policy
from coordination.selectors import PostcodeRouter
from schakelpunt import rows

from . import notifications
from .deadlines import refresh_deadline
from .matching import Evidence, SubjectFacts, keys_for, normalise_postcode
from .models import (
    OPEN_STATES,
    Case,
    Household,
    HouseholdKey,
    Notification,
    PartialKey,
    PossibleMatch,
    Priority,
)

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


@dataclass(frozen=True)
class Arrival:
    """One new signal to place: who it is about, what decides priority, its id."""

    subject: SubjectFacts
    facts: SignalFacts
    signal_id: str


def place_signal(*, subject: SubjectFacts, facts: SignalFacts, signal_id: str) -> Placement:
    """``place_signals`` for one signal."""
    [placement] = place_signals([Arrival(subject=subject, facts=facts, signal_id=signal_id)])
    return placement


def place_signals(
    arrivals: list[Arrival],
    *,
    with_rows: Callable[[list[Placement]], Sequence[rows.Insert]] = lambda placements: (),
) -> list[Placement]:
    """Find each signal's household by its blind keys and the open case it has, or open one.

    Must run inside the caller's transaction. ``with_rows`` gets the
    placements and returns the caller's own new rows (the signals, with
    their cases set), written together with the new households, keys and
    cases: for one signal, in one statement. Signals in one batch find each
    other as they find earlier ones. Only joining keys (``cases.matching``)
    join: a household found by several that belong to different known
    households joins the oldest open case among them; triage merges
    households if that was wrong. Evidence too weak to join (half of a
    double surname, an address without its addition) marks the signal's
    case as a possible match of the other household's open case instead.
    The queries do not grow with the batch (one per kind of row), so a
    partner's monthly file is filed in batches by this same code path.
    """
    assert transaction.get_connection().in_atomic_block, "place_signals needs a transaction"
    if not arrivals:
        rows.write(with_rows([]))
        return []
    keys_of = [keys_for(a.subject) for a in arrivals]
    all_keys: set[str] = set().union(*(k.lookup for k in keys_of))
    _lock_match_keys(set().union(*(k.locks for k in keys_of)))

    household_of_key, partial_of_key = _households_of(all_keys)
    joining_households = {
        household_of_key[key] for k in keys_of for key in k.joining if key in household_of_key
    }
    open_case: dict[uuid.UUID, Case] = {}  # household -> its open case
    if joining_households:
        for case in (
            Case.objects.select_for_update(of=("self",))
            .select_related("lead", "claimed_by")
            .filter(household_id__in=joining_households, state__in=OPEN_STATES)
            .order_by("-opened_at")  # the oldest wins: it is written last
        ):
            open_case[case.household_id] = case
    existing = {case.id: case for case in open_case.values()}
    # Households found only by evidence that suggests: their open cases are
    # read, not locked (nothing is written to them). Rare, so a query of its own.
    suggested_households = set(household_of_key.values()).union(*partial_of_key.values()) - joining_households
    suggested_case: dict[uuid.UUID, Case] = {}
    if suggested_households:
        for case in Case.objects.filter(
            household_id__in=suggested_households, state__in=OPEN_STATES
        ).order_by("-opened_at"):
            suggested_case[case.household_id] = case
    facts_of: dict[uuid.UUID, list[SignalFacts]] = defaultdict(list)
    for case_id, threat, children, creditor in _signal_facts(existing):
        facts_of[case_id].append(
            SignalFacts(threat=threat, children_in_household=children, creditor=creditor)
        )

    policy = Policy.current()
    router = PostcodeRouter()
    now = timezone.now()
    new_households: list[Household] = []
    new_keys: list[HouseholdKey] = []
    new_partial_keys: list[PartialKey] = []
    new_cases: dict[uuid.UUID, Case] = {}
    joined: dict[uuid.UUID, list[str]] = defaultdict(list)  # existing case -> signal ids
    marks: dict[frozenset[uuid.UUID], PossibleMatch] = {}
    placements: list[Placement] = []

    for arrival, keys in zip(arrivals, keys_of, strict=True):
        households = list(
            dict.fromkeys(household_of_key[k] for k in sorted(keys.joining) if k in household_of_key)
        )
        candidates = [open_case[h] for h in households if h in open_case]
        case = min(candidates, key=lambda c: c.opened_at) if candidates else None
        if case is not None:
            household_id = case.household_id
        elif households:
            household_id = households[0]
        else:
            household = Household(created_at=now)
            new_households.append(household)
            household_id = household.id
        # What only suggests: the open cases of other households found by it.
        suggested: dict[Case, Evidence] = {other: Evidence.FITS_BOTH for other in candidates}
        for digest, evidence in sorted(keys.suggesting.items()):
            found = partial_of_key.get(digest, set())
            if digest in household_of_key:
                found = found | {household_of_key[digest]}
            for other_household in sorted(found - {household_id}):
                other = open_case.get(other_household) or suggested_case.get(other_household)
                if other is not None:
                    suggested.setdefault(other, evidence)
        for key in keys.joining:
            if key not in household_of_key:
                household_of_key[key] = household_id
                # Positional (id, digest, household): a batch makes thousands.
                new_keys.append(HouseholdKey(None, key, household_id))
        for key in keys.partial:
            holders = partial_of_key.setdefault(key, set())
            if household_id not in holders:
                holders.add(household_id)
                new_partial_keys.append(PartialKey(uuid.uuid4(), key, household_id))

        if case is None:
            district = router.district_for(normalise_postcode(arrival.subject.postcode))
            case = Case(
                household_id=household_id,
                priority=priority_for([arrival.facts]),
                district=district,  # routing: its team is the default for refer_to_team
                opened_at=now,
                state_entered_at=now,
                last_signal_at=now,
                signal_count=1,
            )
            refresh_deadline(case, policy)
            open_case[household_id] = new_cases[case.id] = case
            facts_of[case.id].append(arrival.facts)
            placements.append(Placement(case=case, created=True))
        else:
            facts_of[case.id].append(arrival.facts)
            case.priority = max(case.priority, priority_for(facts_of[case.id]))
            case.last_signal_at = now
            if case.id in new_cases:
                case.signal_count += 1
                refresh_deadline(case, policy)
            else:
                joined[case.id].append(arrival.signal_id)
            placements.append(Placement(case=case, created=False))
        for other, evidence in suggested.items():
            if other.id != case.id:
                marks.setdefault(
                    frozenset((case.id, other.id)),
                    PossibleMatch(case_id=case.id, other_id=other.id, evidence=evidence.value, found_at=now),
                )

    rows.write(
        [
            rows.Insert(Household, new_households),
            # No conflicts: every key is locked (above) and was looked up after.
            rows.Insert(HouseholdKey, new_keys),
            rows.Insert(PartialKey, new_partial_keys),
            rows.Insert(Case, list(new_cases.values())),
            rows.Insert(PossibleMatch, _unmarked(marks, new_cases)),
            *with_rows(placements),
        ]
    )
    # The joined cases are locked (select_for_update above), so their new
    # counts can be written as values, all in one statement.
    for case_id, signal_ids in joined.items():
        case = existing[case_id]
        case.signal_count += len(signal_ids)
        refresh_deadline(case, policy)  # a threat brings the first-contact deadline forward
    rows.update(
        Case,
        [existing[case_id] for case_id in joined],
        ["signal_count", "last_signal_at", "priority", "deadline", "due_at", "overdue"],
    )
    for case_id, signal_ids in joined.items():
        case = existing[case_id]
        # The case's holder is told; the mail names the case, not the household.
        for signal_id in signal_ids:
            notifications.enqueue(
                case, Notification.Kind.NEW_SIGNAL, notifications.case_holder(case), signal_id
            )
    return placements


def _unmarked(
    marks: dict[frozenset[uuid.UUID], PossibleMatch], new_cases: dict[uuid.UUID, Case]
) -> list[PossibleMatch]:
    """The marks not made before: only two earlier cases can have one already."""
    between_earlier = [pair for pair in marks if not pair & new_cases.keys()]
    if between_earlier:
        ids = set().union(*between_earlier)
        for case_id, other_id in PossibleMatch.objects.filter(case_id__in=ids, other_id__in=ids).values_list(
            "case_id", "other_id"
        ):
            marks.pop(frozenset((case_id, other_id)), None)
    return list(marks.values())


def _households_of(keys: set[str]) -> tuple[dict[str, uuid.UUID], dict[str, set[uuid.UUID]]]:
    """The household each known joining key belongs to, and the households that
    hold each known partial key; one statement."""
    if not keys:
        return {}, {}
    quote = connection.ops.quote_name
    joining = quote(HouseholdKey._meta.db_table)
    partial = quote(PartialKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT digest, household_id, 0 FROM {joining} WHERE digest {rows.any_of(keys)} "  # noqa: S608
            f"UNION ALL SELECT digest, household_id, 1 FROM {partial} WHERE digest {rows.any_of(keys)}",
            rows.flat_params([list(keys), list(keys)]),
        )
        found = cursor.fetchall()
    household_of_key: dict[str, uuid.UUID] = {}
    partial_of_key: dict[str, set[uuid.UUID]] = defaultdict(set)
    for digest, h, is_partial in found:
        household = h if isinstance(h, uuid.UUID) else uuid.UUID(str(h))
        if is_partial:
            partial_of_key[digest].add(household)
        else:
            household_of_key[digest] = household
    return household_of_key, dict(partial_of_key)


def _signal_facts(cases: dict[uuid.UUID, Case]) -> list[tuple[uuid.UUID, str, str, str]]:
    """(case id, threat, children, creditor) of the signals the cases already have."""
    ids = list(cases)
    if not ids:
        return []
    signal_model: Any = Case._meta.get_field("signals").related_model
    return list(
        signal_model._default_manager.filter(case_id__in=ids).values_list(
            "case_id", "threat", "children_in_household", "signal_type__creditor"
        )
    )
