"""What the access log's auditor pages learn from cases: references and households.

Registered with ``audit.subjects`` when the app starts; the audit app sits
below this one and cannot read cases itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from audit.subjects import CaseRef
from helpers.crypto import blind_index

from .models import Case, HouseholdKey


def _uuids(values: Collection[str]) -> list[uuid.UUID]:
    found: list[uuid.UUID] = []
    for value in values:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


class CaseDirectory:
    def subjects_by_bsn(self, bsn: str) -> set[str]:
        # The match key (the same one intake joins on) finds households that
        # were not yet in the audit's own BSN index when it was introduced.
        digest = blind_index("bsn", bsn)
        return {
            str(h) for h in HouseholdKey.objects.filter(digest=digest).values_list("household_id", flat=True)
        }

    def subjects_by_reference(self, reference: str) -> set[str]:
        return {
            str(h) for h in Case.objects.filter(reference=reference).values_list("household_id", flat=True)
        }

    def case_by_reference(self, reference: str) -> uuid.UUID | None:
        found: uuid.UUID | None = (
            Case.objects.filter(reference=reference).values_list("id", flat=True).first()
        )
        return found

    def cases_of(self, subject_ids: Collection[str]) -> dict[str, list[CaseRef]]:
        found: dict[str, list[CaseRef]] = {}
        rows = (
            Case.objects.filter(household_id__in=_uuids(subject_ids))
            .order_by("opened_at", "id")
            .values_list("household_id", "id", "reference")
        )
        for household_id, case_id, reference in rows:
            found.setdefault(str(household_id), []).append(CaseRef(id=case_id, reference=reference))
        return found

    def references(self, case_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        return dict(Case.objects.filter(id__in=list(case_ids)).values_list("id", "reference"))
