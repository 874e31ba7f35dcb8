"""Login lockout, shared by the login page and the API's token endpoint.

Lockout is counted from the access log itself rather than from a cache or a
new table: every failed login already writes a ``login_failed`` entry (see
``audit.receivers``), the log is shared by every process and survives
restarts, and it is append-only, so an attacker cannot reset the count. The
lookup reads only login entries of the last minutes through the
(action, occurred_at) index.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AccessEvent
from audit.services import record

LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)

# Shown by the login page and answered by the token endpoint while a name is locked.
LOCKED_MESSAGE = _(
    "Te veel mislukte inlogpogingen met deze gebruikersnaam. Probeer het over 15 minuten "
    "opnieuw, of vraag de functioneel beheerder om hulp."
)


def _failures() -> int:
    return int(getattr(settings, "LOGIN_LOCKOUT_FAILURES", LOCKOUT_FAILURES))


def lockout_window() -> timedelta:
    """How long a locked name stays locked after its last refused attempt."""
    minutes = getattr(settings, "LOGIN_LOCKOUT_MINUTES", None)
    return timedelta(minutes=minutes) if minutes is not None else LOCKOUT_WINDOW


def is_locked_out(username: str) -> bool:
    """True when the last ``LOCKOUT_FAILURES`` login attempts on this name within
    the window all failed (a successful login in between starts the count again).

    Counted per name typed, whether or not such a user exists, so the answer
    tells an attacker nothing about which accounts exist.
    """
    username = username.strip()
    if not username:
        return False
    limit = _failures()
    recent = list(
        AccessEvent.objects.filter(
            action="login",
            occurred_at__gte=timezone.now() - lockout_window(),
            username__iexact=username,
        )
        .order_by("-occurred_at", "-id")
        .values_list("event_type", flat=True)[:limit]
    )
    return len(recent) >= limit and all(kind == "login_failed" for kind in recent)


def record_locked_attempt(username: str) -> None:
    """A refused attempt on a locked name is logged like any failed login, marked as locked."""
    record(
        actor=None,
        username=username.strip()[:150],
        event_type="login_failed",
        action="login",
        outcome="denied",
        detail={"locked": True},
    )
