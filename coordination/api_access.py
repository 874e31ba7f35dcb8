"""Who is acting, and whether their roles admit them: for the apps' API views.

A DRF permission class per set of roles, and the user behind a request that
passed one. The pages have the same pair in ``coordination.web_access``.
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from .models import User


def actor_of(request: Request) -> User:
    """The authenticated user behind a request that passed a role permission."""
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated()
    return user


def role_permission(*roles: str) -> type[BasePermission]:
    """A DRF permission class admitting authenticated users holding any of ``roles``."""

    class HasRole(BasePermission):
        message = "Uw rol geeft geen toegang tot dit onderdeel."

        def has_permission(self, request: Request, view: APIView) -> bool:
            user = request.user
            return bool(user and user.is_authenticated and user.has_role(*roles))

    HasRole.__name__ = "HasRole_" + "_".join(roles)
    return HasRole
