"""The web pages' error handlers (400, 403, 404, 500 and the 503 while the database is away).

Role checks for the apps' pages are in ``coordination.web_access``, paging in ``helpers.paging``.

Denied requests are logged by ``audit.services.record_denied``, as the API's
exception handler logs them: one ``denied`` entry with the status.
Errors that reach Django's own handlers (from a page, from middleware, or
from an API view the API's handler does not answer) are sorted by
``helpers.failures``: a database that is away is a ``503`` with
``Retry-After``, refused input a ``400``; JSON for the API, a page otherwise.
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from rest_framework import exceptions

from audit.services import record_denied
from helpers.failures import (
    BAD_INPUT_MESSAGE,
    UNAVAILABLE_MESSAGE,
    RefusedInput,
    database_unavailable,
    is_api,
    log_failure,
    refused_by_database,
    retry_after,
)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    record_denied(actor=getattr(request, "user", None), request=request, status=403, code="permission_denied")
    if is_api(request):
        return JsonResponse({"detail": str(exceptions.PermissionDenied.default_detail)}, status=403)
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Also an API address that matches no route (an id that is not a UUID): JSON there."""
    record_denied(actor=getattr(request, "user", None), request=request, status=404, code="not_found")
    if is_api(request):
        return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=404)
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
    if exception is not None and (database_unavailable(exception) or refused_by_database(exception)):
        log_failure(exception, request)
        return unavailable(request) if database_unavailable(exception) else bad_request(request)
    return HttpResponse(render_to_string("500.html"), status=500)
