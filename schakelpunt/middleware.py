"""Refusing input that cannot be stored before any view or log entry touches it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from helpers.failures import NUL_MESSAGE, RefusedInput, contains_nul, is_api

# Room for a multipart upload's form fields and part headers besides the file itself.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class RefuseBadInputMiddleware:
    """A NUL character in the path, the query string, a header or a cookie is a ``400``.

    PostgreSQL refuses NUL in text, and a value from any of these places can
    end up in a query: the session key from its cookie, the token from the
    ``Authorization`` header, a filter from the query string. Bodies are
    checked where they are read: the API's by its parsers
    (``helpers.parsers``), the pages' by their forms, which name the field.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            # Answered by the 400 handler (schakelpunt.views.bad_request): JSON for the API, a page otherwise.
            raise RefusedInput(str(NUL_MESSAGE))
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        return (
            "\x00" in request.path_info
            or contains_nul(request.COOKIES.values())
            or any(contains_nul([key, *values]) for key, values in request.GET.lists())
            or contains_nul(value for key, value in request.META.items() if key.startswith("HTTP_"))
        )


# The views that take a file: the bulk upload of the API and of the partner's page.
UPLOAD_VIEWS = frozenset({"signal-bulk", "signals_web:bulk"})


def _takes_a_file(path: str) -> bool:
    try:
        return resolve(path).view_name in UPLOAD_VIEWS
    except Resolver404:
        return False


def body_limit(path: str, content_type: str) -> int:
    """The largest body accepted: a bulk file (plus its form) for an upload, otherwise a form or JSON."""
    if content_type.lower().startswith("multipart/form-data") and _takes_a_file(path):
        return int(settings.BULK_UPLOAD_MAX_BYTES) + MULTIPART_OVERHEAD_BYTES
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


class RefuseLargeBodyMiddleware:
    """A body larger than allowed is a ``413`` by its ``Content-Length``, before a byte of it is read.

    Django's own ``DATA_UPLOAD_MAX_MEMORY_SIZE`` guards only its form parsing
    (DRF's JSON parser reads the whole body first), and a multipart upload was
    received in full before the bulk view measured the file. Django never
    reads past ``Content-Length``, so a body without one is read as empty.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads such a body as empty
        limit = body_limit(request.path_info, request.META.get("CONTENT_TYPE", "")) if length else 0
        if length > limit:
            return self._too_large(request, limit)
        return self.get_response(request)

    @staticmethod
    def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
        megabytes = max(1, limit // (1024 * 1024))
        message = _("Het verzoek is te groot: hooguit %(megabytes)s MB is toegestaan.") % {
            "megabytes": megabytes
        }
        response: HttpResponse
        if is_api(request):
            response = JsonResponse({"detail": message}, status=413)
        else:
            response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer to a signed-in user and on every API answer.

    Those are the answers that can carry personal data (a case page, a queue,
    an export); no browser cache or proxy may keep them. Static files are
    served before this (WhiteNoise) and keep their long caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if is_api(request) or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response
