"""Shared pieces of the web pages: role checks, paging, and the error pages.

Denied requests are logged here the way the API's exception handler logs
them (``schakelpunt.api._log_denied``): one ``denied`` entry with the status.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from audit.services import record
from coordination.models import User

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def actor_of(request: HttpRequest) -> User:
    """The logged-in user of a request that passed ``role_required``."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def role_required(*roles: str) -> Callable[[View], View]:
    """Visitors go to the login page; users without one of ``roles`` get 403."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not actor_of(request).has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)  # type: ignore[return-value]

    return decorate


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int) -> Page:
    """One page of ``queryset``; a page number out of range shows the last page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def page_query(request: HttpRequest) -> str:
    """The current query string without ``page``, for the pager's links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _log_denied(request: HttpRequest, status: int, code: str) -> None:
    user = getattr(request, "user", None)
    record(
        actor=user if user is not None and user.is_authenticated else None,
        event_type="denied",
        action=f"{request.method} {request.path}"[:200],
        outcome="denied",
        detail={"status": status, "code": code},
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    _log_denied(request, 403, "permission_denied")
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    _log_denied(request, 404, "not_found")
    return render(request, "404.html", status=404)
