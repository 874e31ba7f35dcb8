"""Paging the web pages' lists."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int) -> Page[Any]:
    """One page of ``queryset``; a page number out of range shows the last page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def page_query(request: HttpRequest) -> str:
    """The current query string without ``page``, for the pager's links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
