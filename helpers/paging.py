"""Paging lists: page numbers for short ones, keyset cursors for long ones."""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Field, Model, QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpRequest


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int) -> Page[Any]:
    """One page of ``queryset``; a page number out of range shows the last page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def page_query(request: HttpRequest) -> str:
    """The current query string without ``page``, for the pager's links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# Keyset paging, shared by the case queues and the access log. A list is read
# in a fixed order of columns that ends in a unique one; a cursor is one row's
# values of those columns, and the next page is "rows beyond it": an index
# range scan, no COUNT and no OFFSET, so a deep page costs what the first
# does. A cursor holds sort keys and an id, never personal data, so it may
# travel in a URL.


class InvalidCursor(ValueError):
    """A cursor that was not made by ``encode_cursor`` (edited or cut off)."""


def encode_cursor(values: Sequence[object]) -> str:
    """A row's sort keys as a URL-safe token (datetimes as ISO 8601, the rest as text or numbers)."""
    plain = [value.isoformat() if isinstance(value, datetime.datetime) else value for value in values]
    raw = json.dumps([v if isinstance(v, int | float | str) or v is None else str(v) for v in plain])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: Sequence[Callable[[Any], Any]]) -> tuple[Any, ...]:
    """The sort keys in ``cursor``, each read by its kind (``int``, ``uuid.UUID``, ``moment``...).

    Raises ``InvalidCursor`` for anything ``encode_cursor`` did not make.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("wrong number of keys")
        return tuple(kind(value) for kind, value in zip(kinds, values, strict=True))
    except (ValueError, TypeError) as exc:  # also binascii.Error and JSONDecodeError
        raise InvalidCursor(cursor) from exc


def moment(value: Any) -> datetime.datetime:
    """A cursor's time; one without an offset is refused (it would compare as local time)."""
    parsed = datetime.datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("a cursor's time carries its offset")
    return parsed


_M = TypeVar("_M", bound=Model)


def beyond(
    queryset: QuerySet[_M], columns: Sequence[str], key: Sequence[Any] | None, operator: str
) -> QuerySet[_M]:
    """The rows whose ``columns`` compare ``operator`` (``<`` or ``>``) to ``key`` as one row value.

    PostgreSQL reads such a row comparison as one index range when an index
    holds the columns in that order.
    """
    if key is None:
        return queryset
    if operator not in ("<", ">"):
        raise ValueError(operator)
    table = queryset.model._meta.db_table
    quoted: list[str] = []
    for name in columns:
        field = queryset.model._meta.get_field(name)
        if not isinstance(field, Field):
            raise ValueError(f"{name} is not a column")
        quoted.append(f'"{table}"."{field.column}"')
    names = ", ".join(quoted)
    placeholders = ", ".join("%s" for _ in columns)
    condition = RawSQL(  # noqa: S611 -- column names from the model; the key's values are bound parameters
        f"({names}) {operator} ({placeholders})", list(key), output_field=BooleanField()
    )
    return queryset.filter(condition)
