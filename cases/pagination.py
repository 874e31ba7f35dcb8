"""Keyset pagination for case queues, for the API and the web pages alike.

A queue is ordered by (queue_rank, opened_at, id); a cursor is one row's
values, and the next page is "rows after it", the previous page "rows before
it" — an index range scan per part of the queue, with no COUNT and no OFFSET,
so page 1000 costs what page 1 costs. A cursor holds sort keys and a case id,
never personal data, so it may travel in a URL.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet

from helpers import paging

from .models import Case

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
ORDERING = ("queue_rank", "opened_at", "id")
_DESCENDING = tuple(f"-{name}" for name in ORDERING)

Key = tuple[int, datetime.datetime, uuid.UUID]
"""A row's place in the queue: (queue_rank, opened_at, id)."""


InvalidCursor = paging.InvalidCursor
"""A cursor that was not made by ``encode`` (edited or cut off)."""


def key_of(case: Case) -> Key:
    return (case.queue_rank, case.opened_at, case.id)


def encode(case: Case) -> str:
    return paging.encode_cursor(key_of(case))


def decode(cursor: str) -> Key:
    rank, opened_at, case_id = paging.decode_cursor(cursor, (int, datetime.datetime.fromisoformat, uuid.UUID))
    return rank, opened_at, case_id


def clamp_page_size(size: int) -> int:
    return max(1, min(size, MAX_PAGE_SIZE))


def _beyond(part: QuerySet[Case], key: Key | None, operator: str) -> QuerySet[Case]:
    return paging.beyond(part, ORDERING, key, operator)


@dataclass(frozen=True)
class QueuePage:
    """One page of a queue, in queue order, and whether there are pages around it."""

    rows: list[Case]
    has_next: bool
    has_previous: bool

    def next_cursor(self) -> str | None:
        """Where the next page starts after (None: this is the last page)."""
        return encode(self.rows[-1]) if self.has_next and self.rows else None

    def previous_cursor(self) -> str | None:
        """Where the previous page ends before (None: this is the first page)."""
        return encode(self.rows[0]) if self.has_previous and self.rows else None


def page_of(
    parts: list[QuerySet[Case]],
    *,
    size: int,
    load: Callable[[list[uuid.UUID]], QuerySet[Case]],
    after: Key | None = None,
    before: Key | None = None,
) -> QueuePage:
    """One page merged from several queue parts: the head of each part beyond
    the cursor (one index range scan each), merged in queue order, a case in
    two parts counted once. ``after`` reads forwards from a row, ``before``
    backwards (the previous page); neither, the first page.

    With one part its head is the page. With several, only the heads' sort
    keys are read (building a few hundred cases with their team, district and
    lead to keep fifty costs more than the scans), and ``load`` reads the
    chosen cases by id in one more query.
    """
    backwards = before is not None
    key, operator, ordering = (before, "<", _DESCENDING) if backwards else (after, ">", ORDERING)
    rows: list[Case]
    if len(parts) == 1:
        rows = list(_beyond(parts[0], key, operator).order_by(*ordering)[: size + 1])
    else:
        heads: set[Key] = set()
        for part in parts:
            heads.update(_beyond(part, key, operator).order_by(*ordering).values_list(*ORDERING)[: size + 1])
        chosen = [case_id for _rank, _opened_at, case_id in sorted(heads, reverse=backwards)[: size + 1]]
        by_id = {case.id: case for case in load(chosen)} if chosen else {}
        rows = [by_id[case_id] for case_id in chosen if case_id in by_id]
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        # Read from a later page, that page is still there after this one.
        rows.reverse()
        return QueuePage(rows=rows, has_next=True, has_previous=more)
    return QueuePage(rows=rows, has_next=more, has_previous=after is not None)


def capped_count(parts: list[QuerySet[Case]], cap: int) -> int:
    """How many cases the parts hold together, counting no further than ``cap`` + 1.

    One query, each part stopping after ``cap`` + 1 rows of its index range: the
    answer is exact up to ``cap`` and "more than ``cap``" above it. The parts
    must not overlap (those of one web queue do not).
    """
    if not parts:
        return 0
    heads = [part.order_by().values_list("pk", flat=True)[: cap + 1] for part in parts]
    return min(heads[0].union(*heads[1:], all=True).count(), cap + 1)
