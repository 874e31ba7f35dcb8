"""Erasing personal data after the retention periods: cases with their signals,
and the signals that never became a case (DESIGN.md, "Retention").

This runs the erasure because it may reach both: ``cases.retention`` says which
cases are due and erases what the case itself holds; the case's signals are
erased here, in the same transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.services import record
from cases.models import Case
from cases.retention import blank_encrypted, due_for_erasure, erase_case, months_ago
from coordination.models import Policy

from .models import Signal


@dataclass(frozen=True)
class RetentionRun:
    cases_erased: int
    signals_erased: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def apply_retention(now: datetime.datetime | None = None) -> RetentionRun:
    """Erase what has passed its retention period; safe to run again at any time."""
    now = now or timezone.now()
    policy = Policy.current()
    cases = 0
    for case_id in list(due_for_erasure(now, policy).values_list("pk", flat=True)):
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(of=("self",))
                .filter(pk=case_id, erased_at__isnull=True)
                .first()
            )
            if case is not None:
                erase_case(case, now)
                signals = Signal.objects.filter(case=case)
                blank_encrypted(Signal, signals)
                signals.update(erased_at=now)
                cases += 1
    # Signals that never became a case (below threshold) go after the shortest period.
    loose = Signal.objects.filter(
        case__isnull=True,
        erased_at__isnull=True,
        received_at__lt=months_ago(now, policy.retention_without_contact_months),
    )
    signals_erased = 0
    for signal_id in list(loose.values_list("pk", flat=True)):
        with transaction.atomic():
            erased = blank_encrypted(Signal, Signal.objects.filter(pk=signal_id, erased_at__isnull=True))
            Signal.objects.filter(pk=signal_id).update(erased_at=now)
            if erased:
                signals_erased += 1
                record(
                    actor=None,
                    event_type="erase",
                    action="signal.erase",
                    object_type="signal",
                    object_id=str(signal_id),
                )
    return RetentionRun(cases_erased=cases, signals_erased=signals_erased)
