"""What a case keeps of its signals without plaintext: the facts that decide its
priority and its work tray (``cases.trays``).

Intake adds each placed signal's facts (``absorb``); a split recomputes both
cases from their signals, a merge adds the other case's facts. Nothing here
reads the signals table: the signals app hands the facts over.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from .models import Case, Priority
from .trays import age_band, listed

MULTIPLE_WITHIN = datetime.timedelta(days=31)
"""Two kinds of creditor seen within this time make a case ``multiple`` (DDAS: *meervoudig*)."""


@dataclass(frozen=True)
class SignalFacts:
    """What of a new signal decides its case's priority and tray.

    ``priority`` is the least priority the signal gives its case, from the
    administrator's urgency settings for its type and threat (the signals app
    reads them): ``Priority.URGENT`` starts the 3-working-day deadline.
    """

    threat: str
    children_in_household: str
    creditor: str
    signal_type: str = ""
    arrears_amount: Decimal | None = None
    crisis: bool = False
    priority: int = Priority.NORMAL
    received_at: datetime.datetime | None = None  # None: now (a new signal)


def priority_for(facts: SignalFacts, creditor_kinds: set[str]) -> int:
    """The signal's configured priority; raised with children or two or more kinds of creditor.

    ``creditor_kinds`` are all kinds the case has seen, this signal's included.
    A case's priority only rises (intake keeps the highest), so an earlier
    urgent signal stays counted through the priority already set.
    """
    raised = len(creditor_kinds) >= 2 or facts.children_in_household == "yes"
    return max(facts.priority, Priority.RAISED if raised else Priority.NORMAL)


def absorb(
    case: Case, facts: SignalFacts, *, date_of_birth: datetime.date | None, at: datetime.datetime
) -> None:
    """Add one signal's facts to the case (the caller places it in its tray and saves it)."""
    day = timezone.localdate(facts.received_at or at)
    seen = dict(case.creditor_seen or {})
    if facts.creditor:
        recent = any(
            kind != facts.creditor and day - datetime.date.fromisoformat(on) <= MULTIPLE_WITHIN
            for kind, on in seen.items()
        )
        case.multiple = case.multiple or recent
        seen[facts.creditor] = max(seen.get(facts.creditor, ""), day.isoformat())
    case.creditor_seen = seen
    kinds = case.creditor_kinds_seen | set(seen)
    case.creditor_kinds = ",".join(sorted(kinds))
    case.creditor_kind_count = len(kinds)
    case.priority = max(case.priority, priority_for(facts, kinds))
    if facts.signal_type:
        case.signal_types = listed(_listed(case.signal_types) | {facts.signal_type})
    if facts.threat and facts.threat != "none":
        case.threats = listed(_listed(case.threats) | {facts.threat})
    case.crisis = case.crisis or facts.crisis
    case.children = case.children or facts.children_in_household == "yes"
    if facts.arrears_amount is not None:
        case.total_arrears = Decimal(case.total_arrears or 0) + facts.arrears_amount
    if not case.age_band:
        case.age_band = age_band(date_of_birth, day)


def add_case_facts(case: Case, other: Case) -> None:
    """A merge: the other case's facts now count on this case."""
    seen = dict(case.creditor_seen or {})
    for kind, on in (other.creditor_seen or {}).items():
        seen[kind] = max(seen.get(kind, ""), on)
    case.creditor_seen = seen
    kinds = case.creditor_kinds_seen | other.creditor_kinds_seen | set(seen)
    case.creditor_kinds = ",".join(sorted(kinds))
    case.creditor_kind_count = len(kinds)
    case.signal_types = listed(_listed(case.signal_types) | _listed(other.signal_types))
    case.threats = listed(_listed(case.threats) | _listed(other.threats))
    case.crisis = case.crisis or other.crisis
    case.children = case.children or other.children
    case.total_arrears = Decimal(case.total_arrears or 0) + Decimal(other.total_arrears or 0)
    case.age_band = case.age_band or other.age_band
    case.multiple = case.multiple or other.multiple or _within_a_month(seen)
    case.repeat = case.repeat or other.repeat
    if case.previous_case_id is None:
        case.previous_case_id = other.previous_case_id


def reset_facts(case: Case) -> None:
    """Forget the signal facts (a split counts each side's signals again)."""
    case.creditor_seen = {}
    case.creditor_kinds = ""
    case.creditor_kind_count = 0
    case.signal_types = case.threats = case.age_band = ""
    case.crisis = case.children = case.multiple = False
    case.total_arrears = Decimal(0)
    case.priority = Priority.NORMAL


FACT_FIELDS = (
    "priority",
    "creditor_kinds",
    "creditor_seen",
    "creditor_kind_count",
    "signal_types",
    "threats",
    "crisis",
    "children",
    "total_arrears",
    "age_band",
    "multiple",
    "repeat",
    "previous_case",
    "tray",
)
"""The fields ``absorb`` and ``add_case_facts`` change, and the tray placed from them."""


def _listed(text: str) -> set[str]:
    return set(filter(None, text.split(",")))


def _within_a_month(seen: dict[str, str]) -> bool:
    days = sorted(datetime.date.fromisoformat(on) for on in seen.values())
    return any(later - earlier <= MULTIPLE_WITHIN for earlier, later in itertools.pairwise(days))
