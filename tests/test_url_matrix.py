"""Every API URL has a permission entry here; a new URL without one fails this test."""

from __future__ import annotations

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

CASE_ROLES = {"triage", "coordinator", "professional"}

# url name -> (method, roles allowed). "anyone" marks public endpoints.
MATRIX: dict[str, tuple[str, set[str]]] = {
    "auth-token": ("post", {"anyone"}),
    "signal-list": ("get", {"partner"}),
    "signal-detail": ("get", {"partner"}),
    "signal-bulk": ("post", {"partner"}),
    "signal-bulk-detail": ("get", {"partner"}),
    "team-list": ("get", {"triage", "coordinator"}),
    "case-list": ("get", CASE_ROLES),
    "case-detail": ("get", CASE_ROLES),
    "case-transition": ("post", CASE_ROLES),
    "case-contacts": ("post", {"triage", "professional"}),
    "case-plan-goals": ("post", {"professional"}),
    "case-network": ("post", {"professional"}),
    "figures": ("get", {"triage", "coordinator", "admin", "auditor"}),
    "audit-events": ("get", {"auditor"}),
    "audit-verify": ("get", {"auditor"}),
    "audit-verify-run": ("get", {"auditor"}),
}

ROLE_ACTORS = {
    "partner": "huisarts",
    "triage": "triage",
    "coordinator": "coordinator_noord",
    "professional": "professional_noord",
    "auditor": "auditor",
    "admin": "beheer",
}


def _api_url_names(resolver: URLResolver, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            names |= _api_url_names(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/v1/"):
            names.add(entry.name or route)
    return names


def test_every_api_url_is_in_the_matrix():
    assert _api_url_names(get_resolver()) == set(MATRIX)


def _url(name: str) -> str:
    if name == "signal-detail":
        return reverse(name, kwargs={"signal_id": uuid.uuid4()})
    if name == "audit-verify-run":
        return reverse(name, kwargs={"run_id": uuid.uuid4()})
    if name == "signal-bulk-detail":
        return reverse(name, kwargs={"upload_id": uuid.uuid4()})
    if name == "case-transition":
        return reverse(name, kwargs={"case_id": uuid.uuid4(), "transition": "claim"})
    if name.startswith("case-") and name != "case-list":
        return reverse(name, kwargs={"case_id": uuid.uuid4()})
    return reverse(name)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous_is_refused_except_on_public_endpoints(db, api_as, name):
    method, roles = MATRIX[name]
    response = getattr(api_as(None), method)(_url(name))
    if "anyone" in roles:
        assert response.status_code != 401
    else:
        assert response.status_code == 401


REFUSED = sorted(
    (name, role)
    for name, (_, roles) in MATRIX.items()
    if "anyone" not in roles
    for role in ROLE_ACTORS
    if role not in roles
)


@pytest.mark.parametrize(("name", "role"), REFUSED)
def test_wrong_roles_are_refused(world, api_as, name, role):
    method, _ = MATRIX[name]
    response = getattr(api_as(getattr(world, ROLE_ACTORS[role])), method)(_url(name))
    assert response.status_code in (403, 404)
