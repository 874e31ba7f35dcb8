"""Keyset pagination for case queues.

A queue is ordered by (queue_rank, opened_at, id); the cursor is the last row's
values, and the next page is "rows after it" — an index range scan, with no
COUNT and no OFFSET, so page 1000 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import datetime
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from .models import Case

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
ORDERING = ("queue_rank", "opened_at", "id")


def _encode(case: Case) -> str:
    raw = json.dumps([case.queue_rank, case.opened_at.isoformat(), str(case.id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[int, datetime.datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        rank, opened_at, case_id = json.loads(base64.urlsafe_b64decode(padded))
        return int(rank), datetime.datetime.fromisoformat(opened_at), uuid.UUID(case_id)
    except (ValueError, TypeError) as exc:
        raise ValidationError({"cursor": ["Ongeldige cursor."]}) from exc


def page_size(request: Request) -> int:
    try:
        size = int(request.query_params.get("page_size", DEFAULT_PAGE_SIZE))
    except ValueError as exc:
        raise ValidationError({"page_size": ["Geef een getal."]}) from exc
    return max(1, min(size, MAX_PAGE_SIZE))


def _after(queue: QuerySet[Case], cursor: str | None) -> QuerySet[Case]:
    if not cursor:
        return queue
    table = Case._meta.db_table
    after = RawSQL(  # noqa: S611 -- fixed SQL; the cursor values are bound parameters
        f'("{table}"."queue_rank", "{table}"."opened_at", "{table}"."id") > (%s, %s, %s)',
        _decode(cursor),
        output_field=BooleanField(),
    )
    return queue.filter(after)


def _page(rows: list[Any], size: int, request: Request) -> tuple[list[Case], str | None]:
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, replace_query_param(request.build_absolute_uri(), "cursor", _encode(rows[-1]))


def paginate(queue: QuerySet[Case], request: Request) -> tuple[list[Case], str | None]:
    """One page of an ordered queue and the URL of the next page (or None)."""
    size = page_size(request)
    cursor = request.query_params.get("cursor")
    rows: list[Any] = list(_after(queue, cursor).order_by(*ORDERING)[: size + 1])
    return _page(rows, size, request)


def paginate_parts(
    parts: list[QuerySet[Case]],
    request: Request,
    load: Callable[[list[uuid.UUID]], QuerySet[Case]],
) -> tuple[list[Case], str | None]:
    """One page merged from several queue parts: the head of each part after the
    cursor (one index range scan each), merged in queue order, a case in two
    parts counted once.

    With one part its head is the page. With several, only the heads' sort
    keys are read (building a few hundred cases with their team, district and
    lead to keep fifty costs more than the scans), and ``load`` reads the
    chosen cases by id in one more query.
    """
    size = page_size(request)
    cursor = request.query_params.get("cursor")
    if len(parts) == 1:
        return _page(list(_after(parts[0], cursor).order_by(*ORDERING)[: size + 1]), size, request)
    heads: set[tuple[int, datetime.datetime, uuid.UUID]] = set()
    for part in parts:
        heads.update(_after(part, cursor).order_by(*ORDERING).values_list(*ORDERING)[: size + 1])
    chosen = [case_id for _rank, _opened_at, case_id in sorted(heads)[: size + 1]]
    by_id = {case.id: case for case in load(chosen)}
    return _page([by_id[case_id] for case_id in chosen if case_id in by_id], size, request)
