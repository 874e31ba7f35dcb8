"""Who is acting while a model is saved, and the one rule about one's own privileges.

A model's ``save()`` does not know who asked for it. ``ActingUserMiddleware``
remembers the request for the length of the request, so that a save can ask
``current_user()``: the user of the page, or of the API token once DRF has
authenticated it (DRF puts its user on the request too). Outside a request
(commands, tasks, a shell) nobody is acting, unless code says so with
``acting_as``.

Two things ask: the access-log entries for configuration changes
(``audit.changes``) and ``refuse_self_grant``, which keeps an administrator —
or anyone — from giving itself a role or a privilege, whatever the path: the
admin, a future API, a form. Giving someone else a role stays the
administrator's work, and every such change is in the access log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from .models import User

_acting: ContextVar[Callable[[], Any] | None] = ContextVar("coordination_acting_user", default=None)

PRIVILEGES = ("is_staff", "is_superuser")
"""User fields that widen what the user may do (with ``groups`` and ``user_permissions``)."""


def current_user() -> User | None:
    """The logged-in user on whose behalf the current code runs, if any."""
    from .models import User

    reader = _acting.get()
    user = reader() if reader is not None else None
    return user if isinstance(user, User) and user.is_authenticated else None


@contextmanager
def acting_as(user: User | None) -> Iterator[None]:
    """Run the body on behalf of ``user`` (a task or command that acts for someone)."""
    token = _acting.set(lambda: user)
    try:
        yield
    finally:
        _acting.reset(token)


class ActingUserMiddleware:
    """Makes the request's user the acting user; after ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Read when asked, not now: DRF authenticates a token later and then sets request.user.
        token = _acting.set(lambda: getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            _acting.reset(token)


def is_self(user: User) -> bool:
    actor = current_user()
    return actor is not None and user.pk is not None and actor.pk == user.pk


def refuse_self_grant(user: User, *, roles_before: Iterable[str], roles_after: Iterable[str]) -> None:
    """Raise ``PermissionDenied`` when the acting user would give itself a role.

    Taking a role away from oneself is allowed; adding one never is.
    """
    if is_self(user) and set(roles_after) - set(roles_before):
        raise PermissionDenied("Nobody can give themselves a role.")


def refuse_self_privilege(user: User, before: dict[str, Any]) -> None:
    """Raise ``PermissionDenied`` when the acting user would widen its own privileges."""
    if is_self(user) and any(getattr(user, name) and not before.get(name) for name in PRIVILEGES):
        raise PermissionDenied("Nobody can widen their own privileges.")


def refuse_own_permissions(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    """``m2m_changed`` on a user's groups and permissions: none added to oneself."""
    if action != "pre_add":
        return
    actor = current_user()
    if actor is None:
        return
    if (not reverse and instance.pk == actor.pk) or (reverse and pk_set and actor.pk in pk_set):
        raise PermissionDenied("Nobody can widen their own privileges.")
