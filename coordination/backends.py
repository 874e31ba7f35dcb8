"""Django's model backend, with the user's roles loaded in the user's own query.

Every page and session-authenticated API call asks the user's roles (the
navigation, the permission checks, the access log); loading them with the
user keeps that at one query per request, as the token authentication does.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from .models import User


class RolesModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.with_roles().filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
