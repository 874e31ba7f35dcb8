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
from django.db.models import F, Q
from django.utils import timezone

from audit.services import record
from cases.models import Case
from cases.retention import blank_encrypted, due_for_erasure, erase_case, months_ago
from coordination.models import Policy

from .models import BulkRowError, BulkUpload, Signal


@dataclass(frozen=True)
class RetentionRun:
    cases_erased: int
    signals_erased: int
    uploads_erased: int = 0

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
    uploads = erase_bulk_reports(months_ago(now, policy.retention_without_contact_months))
    return RetentionRun(cases_erased=cases, signals_erased=signals_erased, uploads_erased=uploads)


def erase_bulk_reports(cutoff: datetime.datetime) -> int:
    """Erase the refused lines' reasons and the failure text of uploads that ended before ``cutoff``.

    They hold no values any more, but a reason tied to a line of a partner's
    file still says something about a person in it, and older reports may
    quote values. After the shortest retention period (the one for signals
    that never led to contact) only the counts remain.
    """
    ended = Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
    due = BulkUpload.objects.filter(ended).filter(Q(errors_stored__gt=0) | ~Q(failure=""))
    erased = 0
    for upload_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            BulkRowError.objects.filter(upload_id=upload_id).delete()
            # The refused lines stay counted, as reasons no longer kept.
            BulkUpload.objects.filter(pk=upload_id).update(
                failure="", errors_not_stored=F("errors_not_stored") + F("errors_stored"), errors_stored=0
            )
            record(
                actor=None,
                event_type="erase",
                action="signal.bulk.erase",
                object_type="bulk_upload",
                object_id=str(upload_id),
            )
            erased += 1
    return erased
