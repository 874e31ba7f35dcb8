"""The page each role starts on."""

from __future__ import annotations

from django.urls import reverse

from .models import Role, User

# The page each role starts on, in this order when a user has several roles.
_HOMES = (
    (Role.PARTNER, "signals_web:list"),
    (Role.TRIAGE, "cases_web:intake"),
    (Role.COORDINATOR, "cases_web:team"),
    (Role.PROFESSIONAL, "cases_web:mine"),
    (Role.AUDITOR, "audit_web:events"),
    (Role.ADMIN, "admin:index"),
)


def home_url(user: User) -> str | None:
    """Where ``user`` lands after logging in; None for a user without any role."""
    for role, url_name in _HOMES:
        if user.has_role(role):
            return reverse(url_name)
    return None
