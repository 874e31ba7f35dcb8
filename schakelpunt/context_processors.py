"""What every page's header needs: the navigation for the user's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from cases.inbox import unread_count
from coordination.models import CASE_ROLES, Role, User

from .second_factor import owes_factor


def _items(user: User) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    if user.has_role(Role.PARTNER):
        items += [
            ("signals_web:list", _("Mijn signalen")),
            ("signals_web:new", _("Nieuw signaal")),
            ("signals_web:bulk", _("Bestand uploaden")),
            ("system_keys:list", _("Systeemsleutels")),
        ]
    if user.has_role(Role.TRIAGE):
        items.append(("cases_web:intake", _("Intake")))
    if user.has_role(Role.COORDINATOR):
        items.append(("cases_web:team", _("Teamwachtrij")))
    if user.has_role(Role.PROFESSIONAL):
        items.append(("cases_web:mine", _("Mijn casussen")))
    if user.has_role(*CASE_ROLES):
        items += [("cases_web:search", _("Zoeken")), ("cases_web:inbox", _("Meldingen"))]
    if user.has_role(Role.TRIAGE, Role.COORDINATOR, Role.ADMIN, Role.AUDITOR):
        items.append(("figures_web:page", _("Cijfers")))
    if user.has_role(Role.AUDITOR):
        items += [
            ("audit_web:events", _("Toegangslog")),
            ("audit_web:subjects", _("Huishouden zoeken")),
            ("audit_web:verify", _("Integriteit")),
        ]
    if user.has_role(Role.ADMIN):
        items.append(("admin:index", _("Beheer")))
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {"nav_items": [], "user_roles": ""}
    if owes_factor(user):
        # Every page but the enrolment sends them back there: offer none.
        return {"nav_items": [], "user_roles": ""}
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    nav: list[dict[str, Any]] = []
    for name, label in _items(user):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        nav.append({"url": url, "label": label, "current": name == current})
    roles = ", ".join(str(Role(r).label) for r in user.roles if r in Role.values)
    context: dict[str, Any] = {"nav_items": nav, "user_roles": roles}
    if user.has_role(*CASE_ROLES):
        # The header's search box and the inbox's unread count (one query).
        context["case_search"] = True
        context["inbox_unread"] = unread_count(user)
        for item in nav:
            if item["url"] == reverse("cases_web:inbox"):
                item["badge"] = context["inbox_unread"]
    return context
