"""Reading the access log (for auditors; they see every entry, and only log fields).

The log grows by millions of entries a year, so its lists page by key: a page
is "the entries older (or newer) than this one" in the order (occurred_at,
id), one index range scan, never a COUNT of the whole log or an OFFSET.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from helpers import paging

from .models import AccessEvent

ORDER = ("occurred_at", "id")
NEWEST_FIRST = ("-occurred_at", "-id")
COUNT_CAP = 10_000
"""Counted no further: above it a page says "more than 10,000"."""

Key = tuple[datetime, int]
"""An entry's place in the log: (occurred_at, id)."""


def events(
    *,
    user: int | None = None,
    case: uuid.UUID | None = None,
    subject: str | None = None,
    subject_cases: Collection[uuid.UUID] = (),
    action: str | None = None,
    event_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AccessEvent]:
    """Entries matching every given filter, newest first.

    ``case`` answers "who saw this case", ``subject`` "who saw this household"
    (its pseudonymous id; with ``subject_cases``, its cases' ids, the entries
    that name a case of the household also count). ``since`` is inclusive, ``until`` exclusive (the
    caller turns a date into the start of the next day).
    """
    query = AccessEvent.objects.all()
    if user is not None:
        query = query.filter(user_id=user)
    if case is not None:
        query = query.filter(case_id=case)
    if subject:
        # A refused request names the case it asked for, not the household.
        by_subject = Q(subject_id=subject)
        if subject_cases:
            by_subject |= Q(case_id__in=list(subject_cases))
        query = query.filter(by_subject)
    if action:
        query = query.filter(action=action)
    if event_type:
        query = query.filter(event_type=event_type)
    if since is not None:
        query = query.filter(occurred_at__gte=since)
    if until is not None:
        query = query.filter(occurred_at__lt=until)
    return query.order_by(*NEWEST_FIRST)


def key_of(event: AccessEvent) -> Key:
    return (event.occurred_at, event.id)


def encode(event: AccessEvent) -> str:
    return paging.encode_cursor(key_of(event))


def decode(cursor: str) -> Key:
    """Raises ``paging.InvalidCursor`` for a cursor ``encode`` did not make."""
    occurred_at, event_id = paging.decode_cursor(cursor, (paging.moment, int))
    return occurred_at, event_id


@dataclass(frozen=True)
class EventPage:
    """One page of entries, newest first; "next" is older, "previous" newer."""

    rows: list[AccessEvent]
    has_next: bool
    has_previous: bool

    def next_cursor(self) -> str | None:
        return encode(self.rows[-1]) if self.has_next and self.rows else None

    def previous_cursor(self) -> str | None:
        return encode(self.rows[0]) if self.has_previous and self.rows else None


def page_of(
    query: QuerySet[AccessEvent],
    *,
    size: int,
    after: Key | None = None,
    before: Key | None = None,
    last: bool = False,
) -> EventPage:
    """The entries of ``query`` older than ``after``, newer than ``before`` (the
    previous page), the oldest ones (``last``), or else the newest: ``size`` + 1
    rows read along an index, the one extra telling whether there is more."""
    if before is not None or last:
        rows = list(paging.beyond(query, ORDER, before, ">").order_by(*ORDER)[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        rows.reverse()
        return EventPage(rows=rows, has_next=not last, has_previous=more)
    rows = list(paging.beyond(query, ORDER, after, "<").order_by(*NEWEST_FIRST)[: size + 1])
    more = len(rows) > size
    return EventPage(rows=rows[:size], has_next=more, has_previous=after is not None)


def capped_count(query: QuerySet[AccessEvent], cap: int | None = None) -> int:
    """How many entries ``query`` holds, counting no further than ``cap`` + 1
    (default ``COUNT_CAP``; the answer is exact up to the cap, "more than" above it)."""
    limit = COUNT_CAP if cap is None else cap
    return query.order_by().values("pk")[: limit + 1].count()


def logged_filters(filters: dict[str, object]) -> dict[str, object]:
    """The filters as the auditor's own entry records them (ids and codes, no personal data)."""
    return {"filters": {name: str(value) for name, value in filters.items() if name != "subject_cases"}}
