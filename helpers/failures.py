"""Which failures are the client's input and which are a database that is away.

Both entry points ask this module: the API's exception handler
(``schakelpunt.api``) and the pages' error handlers (``schakelpunt.views``),
so a database outage is a ``503`` with ``Retry-After`` and input that
cannot be stored is a ``400`` whichever way a request came in.

A database counts as away when it cannot be reached, when a connection
breaks, and when a request gives up waiting: PostgreSQL's
``statement_timeout`` and ``lock_timeout`` (set on the web server's
connections, see ``schakelpunt.database``) raise ``OperationalError`` too.
Such a request changed nothing (its transaction is rolled back), so trying
again later is the right advice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("schakelpunt.failures")

UNAVAILABLE_MESSAGE = _(
    "Schakelpunt is tijdelijk niet beschikbaar. Probeer het over enkele ogenblikken opnieuw."
)
NUL_MESSAGE = _("Null-tekens zijn niet toegestaan.")
TOO_DEEP_MESSAGE = _("De gegevens zijn te diep genest.")
BAD_INPUT_MESSAGE = _("Deze invoer kan niet worden verwerkt.")

# Nothing the service accepts is nested deeper than a few levels (a plan goal
# with its actions is three); anything far deeper is refused before it is used.
MAX_DEPTH = 32


class RefusedInput(BadRequest):
    """Input refused before it reached a view; the message is safe to show (it names no value)."""


def is_api(request: HttpRequest) -> bool:
    """Requests answered in JSON: the API and the load balancers' probe."""
    return request.path_info.startswith(("/api/", "/health/"))


def database_unavailable(exc: BaseException | None) -> bool:
    """The database could not be reached, broke off, or the request gave up waiting for it."""
    return isinstance(exc, (OperationalError, InterfaceError))


def refused_by_database(exc: BaseException | None) -> bool:
    """The database refused a value (SQLSTATE class 22: a NUL, an overlong or malformed value).

    The input checks should stop these first; this is the backstop so that a
    value they missed is the client's ``400``, not a ``500``.
    """
    return isinstance(exc, DataError)


def retry_after() -> str:
    """Seconds a client should wait before trying again, for the ``Retry-After`` header."""
    return str(int(getattr(settings, "DB_RETRY_AFTER", 30)))


def log_failure(exc: BaseException, request: HttpRequest | None) -> None:
    """One line for operators: the error's class and SQLSTATE, never its text.

    PostgreSQL's messages can quote the refused value, which may be personal data.
    """
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    logger.warning(
        "%s (%s%s) on %s %s",
        "database unavailable" if database_unavailable(exc) else "value refused by the database",
        type(cause or exc).__name__,
        f", SQLSTATE {sqlstate}" if sqlstate else "",
        getattr(request, "method", "-"),
        getattr(request, "path", "-"),
    )


def contains_nul(values: Iterable[Any]) -> bool:
    """True when any of ``values`` (strings, or ``None``) holds a NUL character."""
    return any(isinstance(value, str) and "\x00" in value for value in values)


class Refusal(NamedTuple):
    """Why parsed input cannot be accepted, and where: the keys (list positions as text) down to it."""

    message: str
    path: tuple[str, ...]
    too_deep: bool = False

    def errors(self) -> Any:
        """DRF's error shape, naming the field: ``{"subject": {"surname": [message]}}``."""
        error: Any = [self.message]
        for key in reversed(self.path or (NON_FIELD_ERRORS,)):
            error = {key: error}
        return error


NON_FIELD_ERRORS = "non_field_errors"


def find_refusal(data: Any) -> Refusal | None:
    """The first NUL in a key or string, or nesting past ``MAX_DEPTH``, in parsed JSON; None if clean.

    Walked without recursion, so no input can exhaust the interpreter's stack here.
    """
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return Refusal(str(NUL_MESSAGE), path)
        elif isinstance(value, dict | list):
            if len(path) >= MAX_DEPTH:
                return Refusal(str(TOO_DEEP_MESSAGE), (), too_deep=True)
            if isinstance(value, dict):
                if contains_nul(value):
                    return Refusal(str(NUL_MESSAGE), path)
                stack.extend((item, (*path, key)) for key, item in value.items())
            else:
                stack.extend((item, (*path, str(n))) for n, item in enumerate(value))
    return None
