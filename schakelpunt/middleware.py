"""Refusing input that cannot be stored before any view or log entry touches it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from helpers.failures import NUL_MESSAGE, RefusedInput, contains_nul


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
