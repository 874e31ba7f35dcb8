"""Placing subjects: which household a new signal is about, and which case it joins or opens.

The signals app asks (``place_subjects``) and gets the cases back; it writes
its own rows. Nothing here reads or writes the signals table: what a later
placement needs of the earlier signals (the kinds of creditor seen) is kept
on the case itself.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db import connection, transaction
from django.utils import timezone

from audit.models import SubjectKey
from audit.subjects import subject_key
from coordination.models import Policy
from coordination.selectors import PostcodeRouter
from helpers import rows
from helpers.crypto import blind_index

from . import notifications
from .deadlines import refresh_deadline
from .facts import FACT_FIELDS, SignalFacts, absorb, priority_for
from .matching import Evidence, MatchKeys, SubjectFacts, keys_for, normalise_postcode
from .models import (
    OPEN_STATES,
    Case,
    Household,
    HouseholdKey,
    Notification,
    Outcome,
    PartialKey,
    PossibleMatch,
    RetiredKey,
    SearchKey,
    State,
)
from .trays import Tray, active_trays, place_in_tray

__all__ = ["Arrival", "Placement", "SignalFacts", "place_subjects", "priority_for"]


@dataclass(frozen=True)
class Arrival:
    """One subject to place: who it is about, what decides priority, and the id of
    the caller's new signal (the case holder's notification is sent once per id)."""

    subject: SubjectFacts
    facts: SignalFacts
    signal_id: str


@dataclass(frozen=True)
class Placement:
    case: Case
    created: bool  # a new case was opened (False: joined an open case)


def place_subjects(arrivals: list[Arrival]) -> list[Placement]:
    """Find each subject's household by its blind keys and the open case it has, or open one.

    Must run inside the caller's transaction; returns one placement per
    arrival, in order, with the new households, keys, cases and possible-match
    marks written and the joined cases updated (their holders are told). Subjects
    in one batch find each other as they find earlier ones. Only joining keys
    (``cases.matching``) join: a household found by several that belong to
    different known households joins the oldest open case among them; triage
    merges households if that was wrong. Evidence too weak to join (half of a
    double surname, an address without its addition) marks the new case as a
    possible match of the other household's open case instead. The queries do
    not grow with the batch (one per kind of row), so a partner's monthly file
    is placed in batches by this same code path.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("place_subjects needs a transaction")
    if not arrivals:
        return []
    batch = _Batch.start(arrivals)
    placements = [batch.place(arrival, keys) for arrival, keys in zip(arrivals, batch.keys_of, strict=True)]
    batch.write_new_rows()
    batch.update_joined_cases()
    batch.tell_case_holders()
    return placements


@dataclass
class _Batch:
    """One call's state: what is known before, what is new, what joined."""

    keys_of: list[MatchKeys]
    household_of_key: dict[str, uuid.UUID]  # joining key -> its household
    partial_of_key: dict[str, set[uuid.UUID]]  # partial key -> the households holding it
    open_case: dict[uuid.UUID, Case]  # household -> its open case (locked, or new here)
    existing: dict[uuid.UUID, Case]  # the locked open cases found, by id
    suggested_case: dict[uuid.UUID, Case]  # household found only by weak evidence -> its open case
    closed_before: dict[uuid.UUID, uuid.UUID]  # household -> its case closed within the repeat window
    policy: Policy = field(default_factory=Policy.current)
    trays: list[Tray] = field(default_factory=active_trays)
    router: PostcodeRouter = field(default_factory=PostcodeRouter)
    now: datetime.datetime = field(default_factory=timezone.now)
    new_households: list[Household] = field(default_factory=list)
    new_keys: list[HouseholdKey] = field(default_factory=list)
    new_partial_keys: list[PartialKey] = field(default_factory=list)
    new_search_keys: dict[tuple[str, uuid.UUID], SearchKey] = field(default_factory=dict)
    new_subject_keys: list[SubjectKey] = field(default_factory=list)
    new_cases: dict[uuid.UUID, Case] = field(default_factory=dict)
    joined: dict[uuid.UUID, list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )  # case -> signal ids
    marks: dict[frozenset[uuid.UUID], PossibleMatch] = field(default_factory=dict)

    @classmethod
    def start(cls, arrivals: list[Arrival]) -> _Batch:
        """Lock the subjects' keys, then read what is known of them."""
        keys_of = [keys_for(a.subject) for a in arrivals]
        lock_match_keys(set().union(*(k.locks for k in keys_of)))
        household_of_key, partial_of_key, retired = _households_of(set().union(*(k.lookup for k in keys_of)))
        if retired:
            # Split apart once (``cases.moves``): such a key joins nothing again.
            keys_of = [replace(k, joining=k.joining - retired) for k in keys_of]
        joining_households = {
            household_of_key[key] for k in keys_of for key in k.joining if key in household_of_key
        }
        open_case = _lock_open_cases(joining_households)
        suggested = set(household_of_key.values()).union(*partial_of_key.values()) - joining_households
        policy = Policy.current()
        return cls(
            policy=policy,
            closed_before=_recently_closed(joining_households - open_case.keys(), policy),
            keys_of=keys_of,
            household_of_key=household_of_key,
            partial_of_key=partial_of_key,
            open_case=open_case,
            existing={case.id: case for case in open_case.values()},
            suggested_case=_open_cases_of(suggested),
        )

    def place(self, arrival: Arrival, keys: MatchKeys) -> Placement:
        """One subject: the open case it joins, else its household's (or a new
        household's) new case; its keys and possible-match marks are kept."""
        households = list(
            dict.fromkeys(
                self.household_of_key[k] for k in sorted(keys.joining) if k in self.household_of_key
            )
        )
        candidates = [self.open_case[h] for h in households if h in self.open_case]
        case = min(candidates, key=lambda c: c.opened_at) if candidates else None
        if case is not None:
            household_id = case.household_id
        elif households:
            household_id = households[0]
        else:
            household = Household(created_at=self.now)
            self.new_households.append(household)
            household_id = household.id
        suggested = self._suggested(keys, household_id, candidates)
        self._keep_subject_key(arrival, keys, household_id)
        self._keep_keys(keys, household_id)
        if case is None:
            placement = Placement(case=self._open(arrival, household_id), created=True)
        else:
            self._join(case, arrival)
            placement = Placement(case=case, created=False)
        for other, evidence in suggested.items():
            if other.id != placement.case.id:
                self.marks.setdefault(
                    frozenset((placement.case.id, other.id)),
                    PossibleMatch(
                        case_id=placement.case.id,
                        other_id=other.id,
                        evidence=evidence.value,
                        found_at=self.now,
                    ),
                )
        return placement

    def _suggested(
        self, keys: MatchKeys, household_id: uuid.UUID, candidates: list[Case]
    ) -> dict[Case, Evidence]:
        """The open cases of other households found by what only suggests."""
        suggested: dict[Case, Evidence] = {other: Evidence.FITS_BOTH for other in candidates}
        for digest, evidence in sorted(keys.suggesting.items()):
            found = self.partial_of_key.get(digest, set())
            if digest in self.household_of_key:
                found = found | {self.household_of_key[digest]}
            for other_household in sorted(found - {household_id}):
                other = self.open_case.get(other_household) or self.suggested_case.get(other_household)
                if other is not None:
                    suggested.setdefault(other, evidence)
        return suggested

    def _keep_subject_key(self, arrival: Arrival, keys: MatchKeys, household_id: uuid.UUID) -> None:
        """The auditor's BSN key, once per BSN and household: when the BSN's match key is new
        to the household (it is dropped on erasure; the auditor's key is not)."""
        if not arrival.subject.bsn:
            return
        match_key = blind_index("bsn", arrival.subject.bsn.zfill(9))
        if match_key not in keys.joining or self.household_of_key.get(match_key) == household_id:
            return
        kept = subject_key(arrival.subject.bsn)
        if kept is not None:
            kept.subject_id = str(household_id)
            self.new_subject_keys.append(kept)

    def _keep_keys(self, keys: MatchKeys, household_id: uuid.UUID) -> None:
        for key in keys.joining:
            if key not in self.household_of_key:
                self.household_of_key[key] = household_id
                # Positional (id, digest, household): a batch makes thousands.
                self.new_keys.append(HouseholdKey(None, key, household_id))
        for key in keys.partial:
            holders = self.partial_of_key.setdefault(key, set())
            if household_id not in holders:
                holders.add(household_id)
                self.new_partial_keys.append(PartialKey(uuid.uuid4(), key, household_id))
        for key in keys.searching:
            self.new_search_keys.setdefault((key, household_id), SearchKey(uuid.uuid4(), key, household_id))

    def _open(self, arrival: Arrival, household_id: uuid.UUID) -> Case:
        previous = self.closed_before.get(household_id)
        case = Case(
            household_id=household_id,
            repeat=previous is not None,
            previous_case_id=previous,
            district=self.router.district_for(normalise_postcode(arrival.subject.postcode)),
            opened_at=self.now,
            state_entered_at=self.now,
            last_signal_at=self.now,
            signal_count=1,
        )
        absorb(case, arrival.facts, date_of_birth=arrival.subject.date_of_birth, at=self.now)
        place_in_tray(case, self.trays)
        # Routing: the district's team is the default for refer_to_team.
        refresh_deadline(case, self.policy)
        self.open_case[household_id] = self.new_cases[case.id] = case
        return case

    def _join(self, case: Case, arrival: Arrival) -> None:
        absorb(case, arrival.facts, date_of_birth=arrival.subject.date_of_birth, at=self.now)
        place_in_tray(case, self.trays)
        case.last_signal_at = self.now
        if case.id in self.new_cases:
            case.signal_count += 1
            refresh_deadline(case, self.policy)
        else:
            self.joined[case.id].append(arrival.signal_id)

    def write_new_rows(self) -> None:
        """Households, keys, cases and marks: for one subject, in one statement."""
        rows.write(
            [
                rows.Insert(Household, self.new_households),
                # No conflicts: every key is locked (``start``) and was looked up after.
                rows.Insert(HouseholdKey, self.new_keys),
                rows.Insert(PartialKey, self.new_partial_keys),
                rows.Insert(SearchKey, list(self.new_search_keys.values())),
                rows.Insert(SubjectKey, self.new_subject_keys),
                rows.Insert(Case, list(self.new_cases.values())),
                rows.Insert(PossibleMatch, _unmarked(self.marks, self.new_cases)),
            ]
        )

    def update_joined_cases(self) -> None:
        """The joined cases are locked (``start``), so their new counts are
        written as values, all in one statement."""
        for case_id, signal_ids in self.joined.items():
            case = self.existing[case_id]
            case.signal_count += len(signal_ids)
            refresh_deadline(case, self.policy)  # a threat brings the first-contact deadline forward
        rows.update(
            Case,
            [self.existing[case_id] for case_id in self.joined],
            ["signal_count", "last_signal_at", *FACT_FIELDS, "deadline", "due_at", "overdue"],
        )

    def tell_case_holders(self) -> None:
        """The holder of a joined case is told; the mail names the case, not the household."""
        for case_id, signal_ids in self.joined.items():
            case = self.existing[case_id]
            for signal_id in signal_ids:
                notifications.enqueue(
                    case, Notification.Kind.NEW_SIGNAL, notifications.case_holder(case), signal_id
                )


def _recently_closed(households: set[uuid.UUID], policy: Policy) -> dict[uuid.UUID, uuid.UUID]:
    """The last case of each household that closed within the policy's repeat window
    (not by merging: that case lives on in the one it went into). A query only
    when a known household without an open case is signalled again."""
    if not households or not policy.repeat_window_months:
        return {}
    since = months_before(timezone.now(), policy.repeat_window_months)
    found: dict[uuid.UUID, uuid.UUID] = {}
    for household_id, case_id in (
        Case.objects.filter(household_id__in=households, state=State.CLOSED, closed_at__gte=since)
        .exclude(outcome=Outcome.MERGED)
        .order_by("closed_at")  # the last one wins
        .values_list("household_id", "pk")
    ):
        found[household_id] = case_id
    return found


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day ``months`` calendar months earlier (the month's last day when it is shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def lock_match_keys(keys: set[str]) -> None:
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


def _households_of(
    keys: set[str],
) -> tuple[dict[str, uuid.UUID], dict[str, set[uuid.UUID]], frozenset[str]]:
    """The household each known joining key belongs to, the households that
    hold each known partial key, and the keys retired by a split; one statement."""
    if not keys:
        return {}, {}, frozenset()
    quote = connection.ops.quote_name
    joining = quote(HouseholdKey._meta.db_table)
    partial = quote(PartialKey._meta.db_table)
    retired_table = quote(RetiredKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT digest, household_id, 0 FROM {joining} WHERE digest {rows.any_of(keys)} "  # noqa: S608
            f"UNION ALL SELECT digest, household_id, 1 FROM {partial} WHERE digest {rows.any_of(keys)} "
            f"UNION ALL SELECT digest, NULL, 2 FROM {retired_table} WHERE digest {rows.any_of(keys)}",
            rows.flat_params([list(keys), list(keys), list(keys)]),
        )
        found = cursor.fetchall()
    household_of_key: dict[str, uuid.UUID] = {}
    partial_of_key: dict[str, set[uuid.UUID]] = defaultdict(set)
    retired: set[str] = set()
    for digest, h, kind in found:
        if kind == 2:
            retired.add(digest)
            continue
        household = h if isinstance(h, uuid.UUID) else uuid.UUID(str(h))
        if kind == 1:
            partial_of_key[digest].add(household)
        else:
            household_of_key[digest] = household
    return household_of_key, dict(partial_of_key), frozenset(retired)


def _lock_open_cases(households: set[uuid.UUID]) -> dict[uuid.UUID, Case]:
    """The open case of each household that a subject joins, locked: it is written."""
    if not households:
        return {}
    open_case: dict[uuid.UUID, Case] = {}
    for case in (
        Case.objects.select_for_update(of=("self",))
        .select_related("lead", "claimed_by")
        .filter(household_id__in=households, state__in=OPEN_STATES)
        .order_by("-opened_at")  # the oldest wins: it is written last
    ):
        open_case[case.household_id] = case
    return open_case


def _open_cases_of(households: set[uuid.UUID]) -> dict[uuid.UUID, Case]:
    """Households found only by evidence that suggests: their open cases are
    read, not locked (nothing is written to them). Rare, so a query of its own."""
    if not households:
        return {}
    found: dict[uuid.UUID, Case] = {}
    for case in Case.objects.filter(household_id__in=households, state__in=OPEN_STATES).order_by(
        "-opened_at"
    ):
        found[case.household_id] = case
    return found


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
