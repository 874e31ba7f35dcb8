"""Management figures: anonymous counts, small numbers suppressed (DESIGN.md, "Interfaces").

They live with the signals because they count signals as well as cases (this
app may read both). Everything here is computed from facts that survive
erasure (signal type and month, district, outcome, the case's timestamps), so
erased cases still count.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth

from cases.models import Case, Outcome

from .models import Signal

SUPPRESS_BELOW = 5  # counts under this are shown as "<5": too few to be anonymous


def _suppress(rows: Iterable[dict[str, Any]], suppress: bool = True) -> list[dict[str, Any]]:
    if not suppress:  # for internal checks only; never shown
        return [{**row, "suppressed": False} for row in rows]
    out = []
    for row in rows:
        count = row["count"]
        out.append(
            {**row, "count": count if count >= SUPPRESS_BELOW else None, "suppressed": count < SUPPRESS_BELOW}
        )
    return out


def signals_per_month(*, suppress: bool = True) -> list[dict[str, Any]]:
    rows = (
        Signal.objects.annotate(month=TruncMonth("received_at"))
        .values("month", type=F("signal_type__code"), district=F("case__district__name"))
        .annotate(count=Count("id"))
        .order_by("month", "type", "district")
    )
    return _suppress(
        ({**row, "month": row["month"].strftime("%Y-%m"), "district": row["district"] or ""} for row in rows),
        suppress,
    )


def outcomes() -> list[dict[str, Any]]:
    rows = (
        Case.objects.exclude(outcome__in=("", Outcome.MERGED))
        # Not named "district": a values() name may not shadow the case's own field.
        .values("outcome", district_name=F("district__name"))
        .annotate(count=Count("id"))
        .order_by("outcome", "district_name")
    )
    return _suppress(
        {"outcome": row["outcome"], "district": row["district_name"] or "", "count": row["count"]}
        for row in rows
    )


def deadline_compliance() -> dict[str, Any]:
    """Share of cases whose first contact attempt came before its deadline was breached."""
    totals = Case.objects.filter(first_contact_at__isnull=False).aggregate(
        total=Count("id"),
        late=Count("id", filter=Q(breaches__deadline="first_contact"), distinct=True),
    )
    total, late = totals["total"], totals["late"]
    return {
        "first_contact_total": total if total >= SUPPRESS_BELOW else None,
        "first_contact_on_time": (total - late) if total >= SUPPRESS_BELOW else None,
    }


def reach() -> dict[str, Any]:
    # A case merged into another is counted there, once.
    closed = Case.objects.exclude(outcome__in=("", Outcome.MERGED))
    counts = closed.aggregate(
        closed=Count("id"),
        reached=Count("id", filter=Q(first_conversation_at__isnull=False)),
        help_accepted=Count("id", filter=Q(outcome=Outcome.HELP_ACCEPTED)),
    )
    return {k: (v if v >= SUPPRESS_BELOW else None) for k, v in counts.items()}


def repeat_and_multiple() -> dict[str, Any]:
    """Cases opened as a repeat of a case closed within the window, and cases with two or
    more kinds of creditor within a month (the monitor's *opeenvolgend* and *meervoudig*).
    A case merged into another is counted there, once."""
    counts = Case.objects.exclude(outcome=Outcome.MERGED).aggregate(
        cases=Count("id"),
        repeat=Count("id", filter=Q(repeat=True)),
        multiple=Count("id", filter=Q(multiple=True)),
    )
    return {k: (v if v >= SUPPRESS_BELOW else None) for k, v in counts.items()}
