"""Login throttle, shared by the login page and the API's token endpoint.

Counted per name *and* address, and per address over all names:

- On one name from one address the first ``LOGIN_LOCKOUT_FAILURES`` (5)
  attempts are free; after that each attempt must wait a delay that doubles
  (30 s, 1 min, 2 min, ... at most ``LOGIN_THROTTLE_MAX_SECONDS``, 15 min).
  Someone guessing from elsewhere slows down only their own attempts: a
  known name can no longer be kept locked out by a stranger.
- From one address over all names the first ``LOGIN_THROTTLE_ADDRESS_FREE``
  (20) attempts are free, then the same growing delays: trying one password
  on many names is slowed down too.

An attempt is counted *before* its password is checked, under a row lock, so
a burst of parallel attempts gets exactly the free attempts and no more; a
successful login takes its attempt back and clears the name's count. A
refused attempt while waiting is not counted (it does not lengthen the wait)
but is logged like any failed login. After ``LOGIN_THROTTLE_RESET_SECONDS``
(1 hour) without attempts the count starts again. An administrator can clear
a count in the admin (*Inlogvertragingen*), which is logged.

Which address: the client address of the access log (``audit.middleware``),
taken from ``X-Forwarded-For`` only behind a trusted proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import context
from audit.services import record
from coordination.models import User

from .models import LoginThrottle

LOCKOUT_FAILURES = 5
ADDRESS_FREE_ATTEMPTS = 20
BASE_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 15 * 60
RESET_AFTER_SECONDS = 60 * 60

# Shown by the login page and answered by the token endpoint while attempts must wait.
LOCKED_MESSAGE = _(
    "Te veel mislukte inlogpogingen. Wacht even en probeer het dan opnieuw, of vraag de "
    "functioneel beheerder om hulp."
)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _failures() -> int:
    return _setting("LOGIN_LOCKOUT_FAILURES", LOCKOUT_FAILURES)


def lockout_window() -> timedelta:
    """The longest a name has to wait between attempts."""
    return timedelta(seconds=_setting("LOGIN_THROTTLE_MAX_SECONDS", MAX_DELAY_SECONDS))


def delay_after(attempts: int, free: int) -> timedelta:
    """How long the next attempt waits once ``attempts`` were made with ``free`` of them free."""
    if attempts < free:
        return timedelta(0)
    base = _setting("LOGIN_THROTTLE_BASE_SECONDS", BASE_DELAY_SECONDS)
    seconds = base * 2 ** min(attempts - free, 20)
    return min(timedelta(seconds=seconds), lockout_window())


def _normalise(username: str) -> str:
    return username.strip().lower()[:150]


def _address(address: str | None) -> str:
    if address is not None:
        return address[:45]
    current = context.current()
    return current.client_ip[:45] if current is not None else ""


@dataclass(frozen=True)
class _Key:
    username: str
    address: str
    free: int


def _keys(username: str, address: str | None) -> list[_Key]:
    where = _address(address)
    # Always in this order: two attempts lock the rows in the same order, never waiting on each other.
    return [
        _Key(_normalise(username), where, _failures()),
        _Key("", where, _setting("LOGIN_THROTTLE_ADDRESS_FREE", ADDRESS_FREE_ATTEMPTS)),
    ]


def _locked_rows(keys: list[_Key]) -> list[LoginThrottle]:
    LoginThrottle.objects.bulk_create(
        [LoginThrottle(username=key.username, address=key.address) for key in keys], ignore_conflicts=True
    )
    rows = []
    for key in keys:
        rows.append(LoginThrottle.objects.select_for_update().get(username=key.username, address=key.address))
    return rows


def _quiet_reset(row: LoginThrottle, now: datetime) -> None:
    quiet = timedelta(seconds=_setting("LOGIN_THROTTLE_RESET_SECONDS", RESET_AFTER_SECONDS))
    waiting = row.blocked_until is not None and row.blocked_until > now
    if not waiting and row.last_attempt_at is not None and row.last_attempt_at < now - quiet:
        row.attempts = 0
        row.blocked_until = None


def reserve_attempt(username: str, address: str | None = None) -> int | None:
    """Count an attempt on ``username`` before its password is checked.

    Returns ``None`` when the attempt may go ahead (it is counted now; call
    ``attempt_succeeded`` when the password was right), or the seconds to
    wait when it may not (it is then not counted).
    """
    if not _normalise(username):
        return None
    keys = _keys(username, address)
    now = timezone.now()
    with transaction.atomic():
        rows = _locked_rows(keys)
        for row in rows:
            _quiet_reset(row, now)
        waits = [row.blocked_until - now for row in rows if row.blocked_until and row.blocked_until > now]
        if waits:
            return max(1, int(max(waits).total_seconds() + 0.999))
        for key, row in zip(keys, rows, strict=True):
            row.attempts += 1
            row.last_attempt_at = now
            delay = delay_after(row.attempts, key.free)
            row.blocked_until = now + delay if delay else None
            row.save(update_fields=["attempts", "last_attempt_at", "blocked_until"])
    return None


def attempt_succeeded(username: str, address: str | None = None) -> None:
    """The password was right: the name's count starts again and the address gets its attempt back."""
    name, anyone = _keys(username, address)
    with transaction.atomic():
        LoginThrottle.objects.filter(username=name.username, address=name.address).delete()
        for row in LoginThrottle.objects.select_for_update().filter(username="", address=anyone.address):
            row.attempts = max(0, row.attempts - 1)
            if delay_after(row.attempts, anyone.free) == timedelta(0):
                row.blocked_until = None
            row.save(update_fields=["attempts", "blocked_until"])


def is_locked_out(username: str, address: str | None = None) -> bool:
    """True while an attempt on this name from this address would have to wait (counts nothing)."""
    if not _normalise(username):
        return False
    now = timezone.now()
    keys = _keys(username, address)
    return LoginThrottle.objects.filter(
        username__in=[key.username for key in keys], address=keys[0].address, blocked_until__gt=now
    ).exists()


def record_locked_attempt(username: str) -> None:
    """A refused attempt while waiting is logged like any failed login, marked as locked."""
    record(
        actor=None,
        username=username.strip()[:150],
        event_type="login_failed",
        action="login",
        outcome="denied",
        detail={"locked": True},
    )


def unlock(*, actor: User, throttle_ids: list[int]) -> int:
    """The administrator clears counts (a colleague who mistyped, a shared office address); logged."""
    with transaction.atomic():
        rows = list(LoginThrottle.objects.select_for_update().filter(pk__in=throttle_ids))
        for row in rows:
            record(
                actor=actor,
                event_type="write",
                action="login.unlock",
                object_type="login_throttle",
                object_id=str(row.pk),
                detail={"username": row.username, "address": row.address, "attempts": row.attempts},
            )
        LoginThrottle.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def forget_old_attempts(now: datetime | None = None) -> int:
    """Remove counts that nobody waits on and that would start again anyway (a name and an address
    are personal data: kept no longer than the throttle needs them). Daily, by the beat."""
    now = now or timezone.now()
    quiet = timedelta(seconds=_setting("LOGIN_THROTTLE_RESET_SECONDS", RESET_AFTER_SECONDS))
    stale = LoginThrottle.objects.filter(last_attempt_at__lt=now - quiet).exclude(blocked_until__gt=now)
    removed, _by_model = stale.delete()
    return removed
