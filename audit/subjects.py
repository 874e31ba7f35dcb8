"""Finding a household in the access log by what an auditor has, and who saw it.

The log knows households only by their pseudonymous subject id and cases by
their internal id. What an auditor holds is a case or signal reference, a
username or a resident's BSN. Cases and signals sit above this app, so they
tell it how to read their references: each registers a ``Directory`` when it
starts (``CasesConfig.ready``, ``SignalsConfig.ready``), and this module asks
every registered directory. A BSN is also looked up in this app's own
``SubjectKey`` table, which outlives erasure.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from django.db import connection

from helpers.crypto import blind_index

from .models import AccessEvent, SubjectKey
from .services import record

BSN_PURPOSE = "audit-subject-bsn"
"""The blind index's purpose: keyed apart from the match keys."""


def normalise_bsn(bsn: str) -> str | None:
    """Nine digits (eight with the leading zero left off), spaces and dots allowed; else None."""
    digits = re.sub(r"[\s.]", "", bsn)
    if not re.fullmatch(r"\d{8,9}", digits):
        return None
    return digits.zfill(9)


def subject_key(bsn: str) -> SubjectKey | None:
    """The row to keep for a BSN seen in a household, or None for no usable BSN."""
    normalised = normalise_bsn(bsn)
    return None if normalised is None else SubjectKey(digest=blind_index(BSN_PURPOSE, normalised))


@dataclass(frozen=True)
class CaseRef:
    id: uuid.UUID
    reference: str


class Directory(Protocol):
    """What an app above this one tells the auditor's pages about its records."""

    def subjects_by_bsn(self, bsn: str) -> set[str]:
        """Households a (normalised) BSN matches now."""

    def subjects_by_reference(self, reference: str) -> set[str]:
        """Households of the case or signal with this reference."""

    def case_by_reference(self, reference: str) -> uuid.UUID | None:
        """The case id behind a case or signal reference."""

    def cases_of(self, subject_ids: Collection[str]) -> dict[str, list[CaseRef]]:
        """Each household's cases, oldest first (erased ones too)."""

    def references(self, case_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The references of these cases."""


_directories: list[Directory] = []


def register(directory: Directory) -> None:
    """Called once by each app above this one, when it starts."""
    if not any(type(known) is type(directory) for known in _directories):
        _directories.append(directory)


def subjects_by_bsn(bsn: str) -> set[str]:
    """Every household this BSN ever matched: the kept keys (erased households
    included) and the households that match it now."""
    normalised = normalise_bsn(bsn)
    if normalised is None:
        return set()
    found = set(
        SubjectKey.objects.filter(digest=blind_index(BSN_PURPOSE, normalised)).values_list(
            "subject_id", flat=True
        )
    )
    for directory in _directories:
        found |= directory.subjects_by_bsn(normalised)
    return found


def subjects_by_reference(reference: str) -> set[str]:
    found: set[str] = set()
    for directory in _directories:
        found |= directory.subjects_by_reference(reference.strip().upper())
    return found


def case_by_reference(reference: str) -> uuid.UUID | None:
    for directory in _directories:
        case_id = directory.case_by_reference(reference.strip().upper())
        if case_id is not None:
            return case_id
    return None


def cases_of(subject_ids: Collection[str]) -> dict[str, list[CaseRef]]:
    found: dict[str, list[CaseRef]] = {subject: [] for subject in subject_ids}
    for directory in _directories:
        for subject, refs in directory.cases_of(subject_ids).items():
            found.setdefault(subject, []).extend(refs)
    return found


def references(case_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = {case_id for case_id in case_ids if case_id is not None}
    found: dict[uuid.UUID, str] = {}
    if not wanted:
        return found
    for directory in _directories:
        found.update(directory.references(wanted))
    return found


@dataclass
class Viewer:
    """One line of "who saw this household": a person in a role, at an organisation."""

    user_id: int | None
    username: str
    user_name: str
    role: str
    organisation: str
    first: datetime
    last: datetime
    count: int
    denied: int
    actions: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    """Break-the-glass reasons, in full."""


_SUMMARY = """
SELECT user_id, username, user_name, role, organisation,
       min(occurred_at), max(occurred_at), count(*),
       count(*) FILTER (WHERE outcome = 'denied'),
       array_agg(DISTINCT action ORDER BY action),
       array_remove(array_agg(DISTINCT CASE WHEN break_glass THEN purpose END), NULL)
FROM {table}
WHERE subject_id = %s {by_case}
GROUP BY user_id, username, user_name, role, organisation
ORDER BY max(occurred_at) DESC, username, role
"""


def viewers(subject_id: str, case_ids: Collection[uuid.UUID]) -> list[Viewer]:
    """Who saw the household, per person and role: first and last access, how
    often, which actions, break-the-glass reasons, denials. One query over the
    subject's (and its cases') index ranges, whatever the log's size."""
    by_case = "OR case_id = ANY(%s)" if case_ids else ""
    params: list[Any] = [subject_id]
    if case_ids:
        params.append(list(case_ids))
    sql = _SUMMARY.format(table=connection.ops.quote_name(AccessEvent._meta.db_table), by_case=by_case)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            Viewer(
                user_id=row[0],
                username=row[1],
                user_name=row[2],
                role=row[3],
                organisation=row[4],
                first=row[5],
                last=row[6],
                count=row[7],
                denied=row[8],
                actions=list(row[9] or []),
                reasons=[reason for reason in row[10] or [] if reason],
            )
            for row in cursor.fetchall()
        ]


@dataclass(frozen=True)
class Found:
    """A household found for the auditor, with its cases (their references)."""

    subject_id: str
    cases: list[CaseRef]


def find(*, actor: Any, via: str, bsn: str = "", case: str = "", signal: str = "") -> list[Found]:
    """The households a BSN, a case reference or a signal reference leads to; the
    search is logged (how it was searched and how many were found, never the BSN)."""
    if bsn:
        by, subject_ids = "bsn", subjects_by_bsn(bsn)
    else:
        by, subject_ids = (
            ("case", subjects_by_reference(case)) if case else ("signal", subjects_by_reference(signal))
        )
    cases = cases_of(subject_ids)
    found = [Found(subject_id=s, cases=cases.get(s, [])) for s in sorted(subject_ids)]
    detail: dict[str, Any] = {"by": by, "found": len(found), "via": via}
    if not bsn:
        detail["reference"] = (case or signal)[:16]
    record(actor=actor, event_type="read", action="audit.subjects.find", object_type="subject", detail=detail)
    return found


@dataclass(frozen=True)
class Summary:
    """Who saw a household: its cases and one line per person and role."""

    subject_id: str
    cases: list[CaseRef]
    viewers: list[Viewer]

    @property
    def denied(self) -> int:
        return sum(viewer.denied for viewer in self.viewers)

    @property
    def break_glass(self) -> list[tuple[Viewer, str]]:
        return [(viewer, reason) for viewer in self.viewers for reason in viewer.reasons]


def summary(subject_id: str) -> Summary | None:
    """The household's summary, or None when nothing is known of it (no case, no entry)."""
    cases = cases_of([subject_id]).get(subject_id, [])
    found = viewers(subject_id, [ref.id for ref in cases])
    if not cases and not found:
        return None
    return Summary(subject_id=subject_id, cases=cases, viewers=found)
