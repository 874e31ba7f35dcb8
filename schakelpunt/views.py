"""Shared pieces of the web pages: role checks, paging, and the error pages.

Denied requests are logged by ``audit.services.record_denied``, as the API's
exception handler logs them: one ``denied`` entry with the status.
Errors that reach Django's own handlers (from a page, from middleware, or
from an API view the API's handler does not answer) are sorted by
``schakelpunt.failures``: a database that is away is a ``503`` with
``Retry-After``, refused input a ``400``; JSON for the API, a page otherwise.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation

from audit.services import record_denied
from coordination.models import User

from .failures import (
    BAD_INPUT_MESSAGE,
    UNAVAILABLE_MESSAGE,
    RefusedInput,
    database_unavailable,
    is_api,
    log_failure,
    refused_by_database,
    retry_after,
)

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


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    record_denied(actor=getattr(request, "user", None), request=request, status=403, code="permission_denied")
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    record_denied(actor=getattr(request, "user", None), request=request, status=404, code="not_found")
    return render(request, "404.html", status=404)


def _standalone_page(template: str, request: HttpRequest) -> str:
    # No request context (its header would look up the session, of a request that was
    # refused or while the database is away); the language from the cookie or the browser,
    # as LocaleMiddleware would choose it (it may not have run yet).
    with translation.override(translation.get_language_from_request(request)):
        return render_to_string(template)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Only our own refusals say why; Django's (too many fields, a bad host) stay generic.
    message = str(exception) if isinstance(exception, RefusedInput) else str(BAD_INPUT_MESSAGE)
    if is_api(request):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponse(_standalone_page("400.html", request), status=400)


def unavailable(request: HttpRequest) -> HttpResponse:
    """``503`` with ``Retry-After``, built without touching the database."""
    if is_api(request):
        response: HttpResponse = JsonResponse({"detail": str(UNAVAILABLE_MESSAGE)}, status=503)
    else:
        response = HttpResponse(_standalone_page("503.html", request), status=503)
    response["Retry-After"] = retry_after()
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception, so it is still at hand.
    exception = sys.exc_info()[1]
    if database_unavailable(exception) or refused_by_database(exception):
        assert exception is not None
        log_failure(exception, request)
        return unavailable(request) if database_unavailable(exception) else bad_request(request)
    return HttpResponse(render_to_string("500.html"), status=500)
