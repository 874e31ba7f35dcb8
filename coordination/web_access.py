"""Who is acting, and whether their roles admit them: for the apps' web pages.

Visitors go to the login page; a logged-in user without the role gets 403,
which the project's error page logs (``schakelpunt.views.permission_denied``).
The API has the same pair in ``coordination.api_access``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from .models import User

View = Callable[..., HttpResponseBase]


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

        return login_required(wrapped)

    return decorate
