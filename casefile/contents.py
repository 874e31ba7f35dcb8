"""What a case file holds besides the case's own rows: its signals, and them in the timeline."""

from __future__ import annotations

from typing import Any

from cases import selectors
from cases.models import Case
from signals.models import Signal


def signals_of(case: Case) -> list[Signal]:
    """The case's signals, oldest first, personal fields decrypted on access.

    Part of a case read that ``cases.selectors.read_case_logged`` has already
    logged (the entry covers the whole case file): no entry of its own, so call
    it only with a case that read returned.
    """
    return list(
        Signal.objects.filter(case=case).select_related("signal_type", "organisation").order_by("received_at")
    )


def timeline(case: Case, signals: list[Signal]) -> list[dict[str, Any]]:
    """The case's timeline with its signals' arrivals, oldest first."""
    items = [
        {
            "at": signal.received_at,
            "kind": "signal",
            "summary": f"{signal.signal_type.name} — {signal.organisation.name}",
            "actor": None,
        }
        for signal in signals
    ]
    return sorted([*items, *selectors.timeline(case)], key=lambda item: item["at"])
