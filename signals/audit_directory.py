"""What the access log's auditor pages learn from signals: a signal reference leads
to its case and household. Registered with ``audit.subjects`` when the app starts."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from audit.subjects import CaseRef

from .models import Signal


class SignalDirectory:
    def subjects_by_bsn(self, bsn: str) -> set[str]:
        return set()  # the cases' directory and the audit's own keys answer this

    def subjects_by_reference(self, reference: str) -> set[str]:
        households = Signal.objects.filter(reference=reference, case__isnull=False).values_list(
            "case__household_id", flat=True
        )
        return {str(h) for h in households}

    def case_by_reference(self, reference: str) -> uuid.UUID | None:
        found: uuid.UUID | None = (
            Signal.objects.filter(reference=reference).values_list("case_id", flat=True).first()
        )
        return found

    def cases_of(self, subject_ids: Collection[str]) -> dict[str, list[CaseRef]]:
        return {}

    def references(self, case_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        return {}
