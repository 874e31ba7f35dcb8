"""Every URL, API and web page, has a permission entry here; a new URL without one fails this test.

Each entry is tried on an object that exists, made in the test world (a
signal and an upload of the housing corporation, a case of team Noord in the
state the step needs):

- the allowed actor succeeds;
- every role the URL is not for gets 403, on that real object of the
  actor's own municipality or organisation, and so does an actor who sees the
  case but whose step it is not;
- an actor of another organisation or team gets 404, the same answer as for
  something that does not exist, and a list does not show them the object;
- every refusal is written to the access log as ``denied`` with its status.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from audit.models import AccessEvent
from cases.models import Case, Household, Notification, WorkTray
from letters import services as letter_services
from letters.models import LetterTemplate
from schakelpunt.tokens import create_system_key
from signals.models import Signal
from signals.serializers import validate_signal
from signals.services import file_signal
from signals.webhooks import register as register_webhook
from tests.cases.flow import advance, file_case, step
from tests.signals.payloads import signal

PUBLIC = frozenset({"anyone"})
CASE_ROLES = frozenset({"triage", "coordinator", "professional"})

# The actor of each role; the partner is the housing corporation, whose signals the cases come from.
ROLE_ACTORS = {
    "partner": "corporatie",
    "triage": "triage",
    "coordinator": "coordinator_noord",
    "professional": "professional_noord",
    "auditor": "auditor",
    "admin": "beheer",
    "monitor": "monitor",
}

# Pages of one's own account: for everyone logged in, whatever their role.
EVERY_ROLE = frozenset(ROLE_ACTORS)

Body = dict[str, Any] | Callable[[SimpleNamespace], dict[str, Any]]


@dataclass(frozen=True)
class Check:
    """How one URL answers: who it is for, on which object, and who gets what."""

    method: str
    roles: frozenset[str]
    allowed: str = ""
    """World attribute of the actor who succeeds (empty: only the anonymous answer is checked)."""
    ok: int = 200
    target: str = ""
    """The object in the URL: "signal", "upload", "case:<state>", "run" (an integrity check),
    "letter:<state>" (a case and a letter template), "letter_run" (triage's print run, done),
    "tray" (the demo's letters tray with a new case),
    "key" (a system key of the housing corporation), "notification" (the coordinator of
    Noord's), "webhook" (one of the housing corporation's webhooks), or ""."""
    kwargs: dict[str, str] = field(default_factory=dict)
    body: Body = field(default_factory=dict)
    refused: tuple[str, ...] = ()
    """More actors, of a role the URL is for, who see the object but may not do this: 403."""
    not_found: tuple[str, ...] = ()
    """Actors of another organisation or team: 404."""
    hidden_from: str = ""
    """A list: the actor of another organisation or team does not see the object in it."""
    format: str = "json"
    """How the API body is sent: "json" or "multipart"."""
    query: str = ""
    """A query string for the URL (a search that needs one)."""


def _for(*roles: str) -> frozenset[str]:
    return frozenset(roles)


def _lead(world: SimpleNamespace) -> dict[str, Any]:
    return {"lead": world.professional_noord.pk}


def _other_lead(world: SimpleNamespace) -> dict[str, Any]:
    return {"lead": world.professional_noord.pk, "reason": "Overdracht"}


def _other_team(world: SimpleNamespace) -> dict[str, Any]:
    return {"team": str(world.zuid.pk), "reason": "Woont in Zuid"}


def _other_case(world: SimpleNamespace) -> dict[str, Any]:
    """Another case of team Noord waiting for a lead, to merge into the checked one."""
    other = Case.objects.create(household=Household.objects.create(), team=world.noord, state="awaiting_lead")
    return {"case": str(other.pk), "reason": "Zelfde huishouden"}


def _other_case_by_reference(world: SimpleNamespace) -> dict[str, Any]:
    """The merge form names the other case by its reference."""
    other = Case.objects.get(pk=_other_case(world)["case"])
    return {"case": other.reference, "reason": "Zelfde huishouden"}


def _joined_signal(world: SimpleNamespace) -> dict[str, Any]:
    """A second signal about the newest case's household, joined to it; split it off again."""
    filing = file_signal(
        actor=world.corporatie, data=validate_signal(signal(partner_reference=str(uuid.uuid4())))
    )
    return {"signals": [str(filing.signal.pk)], "reason": "Andere bewoner"}


def _letter_template() -> LetterTemplate:
    return LetterTemplate.objects.get_or_create(
        name="Matrix", defaults={"language": "nl", "title": "Betreft {kenmerk}", "body": "Beste {naam},"}
    )[0]


def _letter_run(world: SimpleNamespace) -> dict[str, Any]:
    """A print run of one case in outreach (triage's), with a template."""
    case = Case.objects.create(household=Household.objects.create(), state="outreach")
    return {"template": _letter_template().pk, "cases": [str(case.pk)]}


def _letter_form(world: SimpleNamespace) -> dict[str, Any]:
    return {"template": _letter_template().pk}


# Sending letters is for those who record contact attempts.
LETTER_ROLES = _for("triage", "professional")


def _batch(world: SimpleNamespace) -> dict[str, Any]:
    # A fresh file for each request: a posted file is read to its end.
    return {"file": SimpleUploadedFile("batch.csv", b"signal_type,partner_reference\n")}


# One check per transition, on a case of team Noord in a state it can be taken from.
TRANSITION_CHECKS: list[tuple[str, str, str, Body, tuple[str, ...]]] = [
    # (transition, state, allowed actor, body, actors who see the case but may not take the step)
    ("claim", "new", "triage", {}, ()),
    ("release", "triage", "triage", {"reason": "Toch niet"}, ()),
    ("start_outreach", "triage", "triage", {}, ()),
    ("refer_to_team", "outreach", "triage", {}, ()),
    ("assign_lead", "awaiting_lead", "coordinator_noord", _lead, ()),
    ("accept", "lead_assigned", "professional_noord", {}, ("coordinator_noord",)),
    ("decline", "lead_assigned", "professional_noord", {"reason": "Te vol"}, ("coordinator_noord",)),
    ("reassign", "lead_assigned", "coordinator_noord", _other_lead, ("professional_noord",)),
    ("start_monitoring", "planned", "professional_noord", {}, ("coordinator_noord",)),
    ("resume", "monitoring", "professional_noord", {}, ("coordinator_noord",)),
    ("close", "new", "triage", {"outcome": "not_picked_up_repeat"}, ()),
    ("close", "in_progress", "professional_noord", {"outcome": "referral_financial"}, ()),
    ("reroute", "lead_assigned", "coordinator_noord", _other_team, ("professional_noord",)),
    ("reopen", "closed", "professional_noord", {"reason": "Per ongeluk afgesloten"}, ()),
]
# Out of scope for a case of team Noord: the other team's coordinator and professional.
OTHER_TEAM = ("coordinator_zuid", "professional_zuid")


def _transitions(url_kind: str) -> list[Check]:
    ok = 200 if url_kind == "api" else 302
    return [
        Check(
            "post",
            CASE_ROLES,
            allowed=actor,
            ok=ok,
            target=f"case:{state}",
            kwargs={"transition": name},
            body=body,
            refused=refused,
            not_found=OTHER_TEAM,
        )
        for name, state, actor, body, refused in TRANSITION_CHECKS
    ]


CONTACT = {"channel": "phone", "result": "reached"}
GOAL = {"description": "Vaste lasten op orde"}
NETWORK = {"organisation": "Schuldhulp Noord", "role": "schuldhulpverlener"}
REMOVAL = {"reason": "Vergissing"}


def _correction(method: str, record: str, body: Body, ok: int = 200) -> Check:
    """Correcting or removing a record the lead wrote on a case of team Noord: the lead may;
    the team's coordinator sees the case but may not (403); triage and team Zuid do not see it."""
    return Check(
        method,
        CASE_ROLES,
        "professional_noord",
        ok,
        target=f"record:{record}",
        body=body,
        refused=("coordinator_noord",),
        not_found=("professional_zuid", "triage"),
    )


API: dict[str, list[Check]] = {
    "auth-token": [Check("post", PUBLIC)],
    # Logging out revokes the caller's own token: for every role, about nobody else.
    "auth-logout": [Check("post", frozenset(ROLE_ACTORS), "corporatie", 204)],
    "system-key-list": [
        Check("get", _for("partner"), "corporatie", target="key", hidden_from="huisarts"),
        Check("post", _for("partner"), "corporatie", 201, body={"name": "Matrix"}),
    ],
    "system-key-detail": [
        Check("delete", _for("partner"), "corporatie", 204, target="key", not_found=("huisarts",))
    ],
    "signal-list": [
        Check("get", _for("partner"), "corporatie", target="signal", hidden_from="huisarts"),
        Check("post", _for("partner"), "corporatie", 201, body=signal(partner_reference="MATRIX-1")),
    ],
    "signal-detail": [Check("get", _for("partner"), "corporatie", target="signal", not_found=("huisarts",))],
    "signal-bulk": [Check("post", _for("partner"), "corporatie", 202, body=_batch, format="multipart")],
    "signal-bulk-detail": [
        Check("get", _for("partner"), "corporatie", target="upload", not_found=("huisarts",))
    ],
    "signal-schema": [Check("get", PUBLIC)],
    "webhook-list": [
        Check("get", _for("partner"), "corporatie", target="webhook", hidden_from="huisarts"),
        Check("post", _for("partner"), "corporatie", 201, body={"url": "http://127.0.0.1:9/matrix"}),
    ],
    "webhook-detail": [
        Check("get", _for("partner"), "corporatie", target="webhook", not_found=("huisarts",)),
        Check("delete", _for("partner"), "corporatie", 204, target="webhook", not_found=("huisarts",)),
    ],
    "webhook-deliveries": [
        Check("get", _for("partner"), "corporatie", target="webhook", not_found=("huisarts",))
    ],
    "signal-bulk-errors": [
        Check("get", _for("partner"), "corporatie", target="upload", not_found=("huisarts",))
    ],
    "signal-bulk-template-csv": [Check("get", _for("partner"), "corporatie")],
    "signal-bulk-template-xlsx": [Check("get", _for("partner"), "corporatie")],
    "team-list": [Check("get", _for("triage", "coordinator"), "coordinator_noord")],
    "case-list": [
        Check(
            "get",
            CASE_ROLES,
            "coordinator_noord",
            target="case:awaiting_lead",
            hidden_from="coordinator_zuid",
        )
    ],
    "case-detail": [
        Check("get", CASE_ROLES, "coordinator_noord", target="case:awaiting_lead", not_found=OTHER_TEAM)
    ],
    "case-transition": _transitions("api"),
    "letter-template-list": [Check("get", CASE_ROLES, "triage")],
    "case-letter": [
        Check("get", LETTER_ROLES, "triage", target="letter:outreach", not_found=("professional_zuid",)),
        Check(
            "get",
            LETTER_ROLES,
            "professional_noord",
            target="letter:in_progress",
            not_found=("professional_zuid", "triage"),
        ),
    ],
    "letter-run-list": [Check("post", LETTER_ROLES, "triage", 202, body=_letter_run)],
    "tray-letters": [Check("post", LETTER_ROLES, "triage", 202, target="tray", body=_letter_form)],
    # A run is its maker's: another who sends letters does not see it.
    "letter-run-detail": [
        Check("get", LETTER_ROLES, "triage", target="letter_run", not_found=("professional_noord",))
    ],
    "letter-run-pdf": [
        Check("get", LETTER_ROLES, "triage", target="letter_run", not_found=("professional_noord",))
    ],
    "case-merge": [
        Check(
            "post",
            _for("triage", "coordinator"),
            "coordinator_noord",
            target="case:awaiting_lead",
            body=_other_case,
            not_found=(*OTHER_TEAM[:1], "triage"),
        )
    ],
    "case-split": [
        Check(
            "post",
            _for("triage", "coordinator"),
            "coordinator_noord",
            target="case:awaiting_lead",
            body=_joined_signal,
            not_found=(*OTHER_TEAM[:1], "triage"),
        )
    ],
    "case-help-accepted": [
        Check(
            "post",
            _for("professional"),
            "professional_noord",
            target="case:in_progress",
            not_found=("professional_zuid",),
        )
    ],
    "case-contacts": [
        Check(
            "post",
            _for("triage", "professional"),
            "professional_noord",
            201,
            target="case:in_progress",
            body=CONTACT,
            not_found=("professional_zuid", "triage"),
        )
    ],
    "case-plan-goals": [
        Check(
            "post",
            _for("professional"),
            "professional_noord",
            201,
            target="case:in_progress",
            body=GOAL,
            not_found=("professional_zuid",),
        )
    ],
    "case-network": [
        Check(
            "post",
            _for("professional"),
            "professional_noord",
            201,
            target="case:in_progress",
            body=NETWORK,
            not_found=("professional_zuid",),
        )
    ],
    "search": [
        Check("get", CASE_ROLES, "triage", query="bsn=111222333"),
        Check("post", CASE_ROLES, "coordinator_noord", body={"reference": "C-AAAA-BBBB"}),
    ],
    "case-access": [
        Check(
            "post",
            _for("triage", "coordinator"),
            "coordinator_zuid",
            target="case:in_progress",
            body={"reason": "Bewoner belt"},
        )
    ],
    "notification-list": [Check("get", CASE_ROLES, "coordinator_noord")],
    "tray-list": [Check("get", CASE_ROLES, "triage")],
    "notification-read": [
        Check("post", CASE_ROLES, "coordinator_noord", target="notification", not_found=("coordinator_zuid",))
    ],
    "case-contact": [
        _correction("patch", "contact", {"result": "not_reached"}),
        _correction("delete", "contact", REMOVAL, 204),
    ],
    "case-plan": [
        Check(
            "put",
            _for("professional"),
            "professional_noord",
            target="case:in_progress",
            body={"strengths": "Vaste baan", "problems": ["Huurachterstand"]},
            not_found=("professional_zuid",),
        )
    ],
    "case-plan-goal": [
        _correction("patch", "goal", {"achieved": True}),
        _correction("delete", "goal", REMOVAL, 204),
    ],
    "case-plan-goal-actions": [
        Check(
            "post",
            _for("professional"),
            "professional_noord",
            201,
            target="record:goal",
            body={"description": "Toeslagen aanvragen"},
            not_found=("professional_zuid",),
        )
    ],
    "case-plan-goal-action": [
        _correction("patch", "action", {"done": True}),
        _correction("delete", "action", REMOVAL, 204),
    ],
    "case-network-member": [
        _correction("patch", "network", {"role": "budgetcoach"}),
        _correction("delete", "network", REMOVAL, 204),
    ],
    "figures": [Check("get", _for("triage", "coordinator", "admin", "auditor"), "auditor")],
    # The delivery to the national monitor: the monitor only, the administrator neither.
    "ddas-export": [Check("get", _for("monitor"), "monitor", query="start=2026-01-01&end=2026-12-31")],
    "audit-events": [Check("get", _for("auditor"), "auditor")],
    "audit-verify": [
        Check("get", _for("auditor"), "auditor"),
        Check("post", _for("auditor"), "auditor", 202),
    ],
    "audit-verify-run": [Check("get", _for("auditor"), "auditor", target="run")],
    "audit-subjects": [Check("get", _for("auditor"), "auditor", query="case=C-NONE")],
    "audit-subject": [Check("get", _for("auditor"), "auditor", target="subject")],
    "audit-subject-letter": [Check("get", _for("auditor"), "auditor", target="subject")],
}

# The OpenAPI schema and its two browsable pages, beside the API.
API_DOCS: dict[str, list[Check]] = {
    "schema": [Check("get", PUBLIC)],
    "api-docs": [Check("get", PUBLIC)],
    "api-redoc": [Check("get", PUBLIC)],
}

WEB: dict[str, list[Check]] = {
    "home": [Check("get", PUBLIC)],
    "health": [Check("get", PUBLIC)],
    "set_language": [Check("post", PUBLIC)],
    "accounts:login": [Check("get", PUBLIC)],
    "accounts:logout": [Check("post", PUBLIC)],
    "system_keys:list": [Check("get", _for("partner"), "corporatie", target="key", hidden_from="huisarts")],
    "system_keys:revoke": [
        Check("post", _for("partner"), "corporatie", 302, target="key", not_found=("huisarts",))
    ],
    "accounts:login_code": [Check("get", PUBLIC)],
    "accounts:account": [Check("get", EVERY_ROLE, "corporatie")],
    "accounts:second_factor": [Check("get", EVERY_ROLE, "coordinator_noord")],
    "accounts:password_change": [Check("get", EVERY_ROLE, "auditor")],
    "accounts:password_change_done": [Check("get", EVERY_ROLE, "auditor")],
    "accounts:password_reset": [Check("get", PUBLIC)],
    "accounts:password_reset_done": [Check("get", PUBLIC)],
    "accounts:password_reset_confirm": [Check("get", PUBLIC, kwargs={"uidb64": "MQ", "token": "a-b"})],
    "accounts:password_reset_complete": [Check("get", PUBLIC)],
    "signals_web:list": [
        Check("get", _for("partner"), "corporatie", target="signal", hidden_from="huisarts")
    ],
    "signals_web:new": [Check("get", _for("partner"), "corporatie")],
    "signals_web:bulk": [Check("get", _for("partner"), "corporatie")],
    "signals_web:bulk_detail": [
        Check("get", _for("partner"), "corporatie", target="upload", not_found=("huisarts",))
    ],
    "signals_web:detail": [
        Check("get", _for("partner"), "corporatie", target="signal", not_found=("huisarts",))
    ],
    "figures_web:page": [
        Check("get", _for("triage", "coordinator", "admin", "auditor"), "coordinator_noord")
    ],
    "cases_web:intake": [Check("get", _for("triage"), "triage", target="case:new")],
    "cases_web:team": [
        Check(
            "get",
            _for("coordinator"),
            "coordinator_noord",
            target="case:awaiting_lead",
            hidden_from="coordinator_zuid",
        )
    ],
    "cases_web:mine": [
        Check(
            "get",
            _for("professional"),
            "professional_noord",
            target="case:in_progress",
            hidden_from="professional_zuid",
        )
    ],
    "cases_web:detail": [
        Check("get", CASE_ROLES, "coordinator_noord", target="case:awaiting_lead", not_found=OTHER_TEAM)
    ],
    "cases_web:contact": [
        Check(
            "post",
            _for("triage", "professional"),
            "professional_noord",
            302,
            target="case:in_progress",
            body=CONTACT,
            not_found=("professional_zuid", "triage"),
        )
    ],
    "cases_web:goal": [
        Check(
            "post",
            _for("professional"),
            "professional_noord",
            302,
            target="case:in_progress",
            body=GOAL,
            not_found=("professional_zuid",),
        )
    ],
    "cases_web:help_accepted": [
        Check(
            "post",
            _for("professional"),
            "professional_noord",
            302,
            target="case:in_progress",
            not_found=("professional_zuid",),
        )
    ],
    "cases_web:network": [
        Check(
            "post",
            _for("professional"),
            "professional_noord",
            302,
            target="case:in_progress",
            body=NETWORK,
            not_found=("professional_zuid",),
        )
    ],
    "cases_web:transition": _transitions("web"),
    "letters_web:case_letter": [
        Check(
            "post",
            LETTER_ROLES,
            "triage",
            target="letter:outreach",
            body=_letter_form,
            not_found=("professional_zuid",),
        )
    ],
    "letters_web:tray_run": [Check("post", LETTER_ROLES, "triage", 302, target="tray", body=_letter_form)],
    "letters_web:run": [
        Check("get", LETTER_ROLES, "triage", target="letter_run", not_found=("professional_noord",))
    ],
    "letters_web:run_pdf": [
        Check("get", LETTER_ROLES, "triage", target="letter_run", not_found=("professional_noord",))
    ],
    "cases_web:merge": [
        Check(
            "post",
            _for("triage", "coordinator"),
            "coordinator_noord",
            302,
            target="case:awaiting_lead",
            body=_other_case_by_reference,
            not_found=(*OTHER_TEAM[:1], "triage"),
        )
    ],
    "cases_web:split": [
        Check(
            "post",
            _for("triage", "coordinator"),
            "coordinator_noord",
            302,
            target="case:awaiting_lead",
            body=_joined_signal,
            not_found=(*OTHER_TEAM[:1], "triage"),
        )
    ],
    "cases_web:search": [
        Check("get", CASE_ROLES, "professional_noord"),
        Check("post", CASE_ROLES, "triage", body={"q": "1012 AB 12"}),
    ],
    "cases_web:access": [
        Check(
            "post",
            _for("triage", "coordinator"),
            "coordinator_zuid",
            302,
            target="case:in_progress",
            body={"reason": "Bewoner belt"},
        )
    ],
    "cases_web:inbox": [Check("get", CASE_ROLES, "coordinator_noord")],
    "cases_web:inbox_read": [
        Check(
            "post",
            CASE_ROLES,
            "coordinator_noord",
            302,
            target="notification",
            not_found=("coordinator_zuid",),
        )
    ],
    "cases_web:inbox_read_all": [Check("post", CASE_ROLES, "triage", 302)],
    "cases_web:contact_edit": [
        _correction("post", "contact", {"channel": "email", "result": "reached"}, 302)
    ],
    "cases_web:goal_edit": [
        _correction("post", "goal", {"description": "Huur betalen", "achieved": "true"}, 302)
    ],
    "cases_web:plan": [
        Check(
            "post",
            _for("professional"),
            "professional_noord",
            302,
            target="case:in_progress",
            body={"strengths": "Vaste baan", "problems": "Huurachterstand"},
            not_found=("professional_zuid",),
        )
    ],
    "cases_web:network_edit": [_correction("post", "network", {**NETWORK, "role": "budgetcoach"}, 302)],
    "cases_web:action": [
        Check(
            "post",
            _for("professional"),
            "professional_noord",
            302,
            target="record:goal",
            body={"description": "Toeslagen aanvragen", "owner": "Bewoner"},
            not_found=("professional_zuid",),
        )
    ],
    "cases_web:action_done": [_correction("post", "action", {"done": "true"}, 302)],
    "cases_web:action_remove": [_correction("post", "action", REMOVAL, 302)],
    "cases_web:remove": [
        replace(_correction("post", record, REMOVAL, 302), kwargs={"kind": record})
        for record in ("contact", "goal", "network")
    ],
    "audit_web:events": [Check("get", _for("auditor"), "auditor")],
    "audit_web:export": [Check("get", _for("auditor"), "auditor")],
    "audit_web:verify": [
        Check("get", _for("auditor"), "auditor"),
        Check("post", _for("auditor"), "auditor", 302),
    ],
    "audit_web:verify_run": [Check("get", _for("auditor"), "auditor", target="run")],
    "audit_web:subjects": [Check("get", _for("auditor"), "auditor")],
    "audit_web:subject": [Check("get", _for("auditor"), "auditor", target="subject")],
    "audit_web:subject_export": [Check("get", _for("auditor"), "auditor", target="subject")],
    "audit_web:subject_letter": [Check("get", _for("auditor"), "auditor", target="subject")],
}

# Django's admin site is one entry for all its URLs: it is governed by the
# staff flag and model permissions (tests/coordination/test_admin_*.py), not by
# our roles; a user without the staff flag is sent to its login page.
ADMIN_NAMESPACE = "admin"

ENTRIES = {**API, **API_DOCS, **WEB}

MATRIX: dict[str, tuple[str, set[str]]] = {
    name: (checks[0].method, set(checks[0].roles)) for name, checks in API.items()
}
"""Each URL under /api/v1/ with its first method and the roles it is for ("anyone": public);
tests/test_bad_input.py sends bad input to each of them."""


def _url_arguments(
    resolver: URLResolver, namespace: str = "", inherited: frozenset[str] = frozenset()
) -> dict[str, frozenset[str]]:
    """Every URL name (with its namespace) and the arguments its route takes."""
    found: dict[str, frozenset[str]] = {}
    for entry in resolver.url_patterns:
        arguments = inherited | frozenset(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found |= _url_arguments(entry, inner, arguments)
        elif isinstance(entry, URLPattern):
            found[f"{namespace}{entry.name or entry.pattern}"] = arguments
    return found


@pytest.fixture(autouse=True)
def _ddas_settings(request: pytest.FixtureRequest) -> None:
    # The monitor's export answers 400 until the municipality's DDAS settings are filled in.
    if "world" in request.fixturenames:
        request.getfixturevalue("ddas_settings")


def test_every_url_is_in_the_matrix():
    names = {name for name in _url_arguments(get_resolver()) if not name.startswith(f"{ADMIN_NAMESPACE}:")}
    assert names == set(ENTRIES)


def test_the_admin_site_is_for_staff_only(world, api_as):
    world.beheer.is_staff = True
    world.beheer.save()

    assert _client("admin:index", world, "beheer", api_as).get(reverse("admin:index")).status_code == 200
    for attribute in ROLE_ACTORS.values():
        if attribute != "beheer":
            response = _client("admin:index", world, attribute, api_as).get(reverse("admin:index"))
            assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


# The admin's own pages besides the models' ones, and what the administrator gets on them.
ADMIN_SITE_PAGES = {"index": 200, "password_change": 200, "jsi18n": 200}
ADMIN_PUBLIC = {"login", "logout", "password_change_done", "view_on_site", "autocomplete", "app_list"}
# The site's catch-all patterns (no name): an unknown admin address.
ADMIN_UNNAMED = {"(?P<url>.*)$", "<path:object_id>/"}
MODEL_PAGES = ("changelist", "add", "change", "history", "delete")


def _admin_allows(model_admin: Any, page: str, shown: Any) -> Callable[[Any], bool]:
    """Whether the model's admin lets a request's user open ``page`` (on ``shown``)."""

    def allows(request: Any) -> bool:
        if page == "changelist":
            return bool(model_admin.has_view_or_change_permission(request))
        if page == "add":
            return bool(model_admin.has_add_permission(request))
        if page == "delete":
            return bool(model_admin.has_delete_permission(request, shown))
        return bool(model_admin.has_view_or_change_permission(request, shown))

    return allows


def _admin_pages(world: SimpleNamespace) -> dict[str, tuple[str, Callable[[Any], bool]]]:
    """Every named admin URL of a registered model: its address on an existing object, and
    whether the administrator may open it (what the model's admin says it allows)."""
    from django.contrib import admin
    from django.contrib.auth.models import Group

    from cases.demo import seed_demo_trays
    from signals.models import OrganisationSignalTypes, ThreatUrgency

    Group.objects.get_or_create(name="Voorbeeld")
    OrganisationSignalTypes.objects.get_or_create(organisation=world.gp)
    _letter_template()
    seed_demo_trays()
    ThreatUrgency.objects.get_or_create(threat="eviction", defaults={"priority": 30})
    pages: dict[str, tuple[str, Callable[[Any], bool]]] = {}
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        shown = model._default_manager.order_by("pk").first()
        assert shown is not None, f"the test world has no {model._meta.label} to open in the admin"
        on_object = {"object_id": shown.pk}
        allowed = {page: _admin_allows(model_admin, page, shown) for page in MODEL_PAGES}
        for page in MODEL_PAGES:
            url = reverse(
                f"{prefix}_{page}", kwargs=on_object if page in ("change", "history", "delete") else {}
            )
            pages[f"{prefix}_{page}"] = (url, allowed[page])
        if hasattr(model_admin, "user_change_password"):
            name = "admin:auth_user_password_change"
            pages[name] = (reverse(name, kwargs={"id": shown.pk}), allowed["change"])
    return pages


def test_every_admin_url_is_for_the_administrator_only(world, api_as, rf):
    """Each admin address, on a real object: every other role is sent to the admin's login;
    the administrator gets the page, or 403 where the model's admin allows no such thing."""
    world.beheer.is_staff = True
    world.beheer.is_superuser = True
    world.beheer.save()
    _case(world, api_as, "awaiting_lead")  # a case, its notifications, entries in the log
    Client().post(
        reverse("accounts:login"), {"username": "iemand", "password": "fout-wachtwoord"}
    )  # a throttle row
    pages = _admin_pages(world)
    names = {name for name in _url_arguments(get_resolver()) if name.startswith(f"{ADMIN_NAMESPACE}:")}
    site_pages = {f"admin:{name}" for name in (*ADMIN_SITE_PAGES, *ADMIN_PUBLIC)}
    unnamed = {f"admin:{pattern}" for pattern in ADMIN_UNNAMED}
    assert names == set(pages) | site_pages | unnamed, "an admin URL without an entry here"

    request = rf.get("/admin/")
    request.user = world.beheer
    expected_admin = {url: (200 if allowed(request) else 403) for url, allowed in pages.values()}
    expected_admin |= {reverse(f"admin:{name}"): status for name, status in ADMIN_SITE_PAGES.items()}
    for attribute in ROLE_ACTORS.values():
        client = Client()
        client.force_login(getattr(world, attribute))
        for url, status in expected_admin.items():
            response = client.get(url)
            if attribute == "beheer":
                assert response.status_code == status, url
            else:
                assert response.status_code == 302, (attribute, url)
                assert response["Location"].startswith(reverse("admin:login")), (attribute, url)


# ---------------------------------------------------------------- making the objects


def _upload(world: SimpleNamespace, api_as: Any) -> uuid.UUID:
    response = api_as(world.corporatie).post("/api/v1/signals/bulk/", _batch(world), format="multipart")
    assert response.status_code == 202, response.content
    return uuid.UUID(response.json()["id"])


def _case(world: SimpleNamespace, api_as: Any, state: str) -> str:
    case_id = file_case(world, api_as)
    if state == "closed":
        advance(world, api_as, case_id, "in_progress")
        step(api_as, world.professional_noord, case_id, "close", outcome="referral_financial")
        return case_id
    if state in ("planned", "monitoring"):
        advance(world, api_as, case_id, "in_progress")
        response = api_as(world.professional_noord).post(
            f"/api/v1/cases/{case_id}/plan/goals/", GOAL, format="json"
        )
        assert response.status_code == 201, response.content
        if state == "monitoring":
            step(api_as, world.professional_noord, case_id, "start_monitoring")
    else:
        advance(world, api_as, case_id, state)
    return case_id


def _record(world: SimpleNamespace, api_as: Any, record: str) -> tuple[dict[str, Any], str]:
    """A contact attempt, goal (with an action) or network member that the lead of a case
    of team Noord in progress wrote; its ids by every name a URL takes them by."""
    case_id = _case(world, api_as, "in_progress")
    lead = api_as(world.professional_noord)
    made: dict[str, Any] = {"case_id": case_id}
    if record == "contact":
        response = lead.post(f"/api/v1/cases/{case_id}/contacts/", CONTACT, format="json")
        made["contact_id"] = response.json()["id"]
    elif record == "network":
        response = lead.post(f"/api/v1/cases/{case_id}/network/", NETWORK, format="json")
        made["member_id"] = response.json()["id"]
    else:
        body = {**GOAL, "actions": [{"description": "Budgetplan maken"}]}
        response = lead.post(f"/api/v1/cases/{case_id}/plan/goals/", body, format="json")
        made["goal_id"] = response.json()["id"]
        made["action_id"] = response.json()["actions"][0]["id"]
    assert response.status_code == 201, response.content
    made["record_id"] = made.get("action_id" if record == "action" else f"{record}_id", made.get("member_id"))
    return made, case_id


def _target(check: Check, world: SimpleNamespace, api_as: Any) -> tuple[dict[str, Any], str]:
    """The URL's arguments for the check's object, and the id a list shows it by."""
    if check.target == "signal":
        signal_id = Signal.objects.get(case_id=file_case(world, api_as)).pk
        return {"signal_id": signal_id}, str(signal_id)
    if check.target == "upload":
        upload_id = _upload(world, api_as)
        return {"upload_id": upload_id}, str(upload_id)
    if check.target == "key":
        issued = create_system_key(actor=world.corporatie, name="Huurincasso Matrix")
        return {"key_id": issued.key.pk}, issued.key.name
    if check.target == "webhook":
        # Port 9 (discard) on this machine: nothing listens, nothing leaves it.
        webhook, _ = register_webhook(actor=world.corporatie, url="http://127.0.0.1:9/matrix")
        return {"webhook_id": webhook.pk}, str(webhook.pk)
    if check.target == "run":
        response = api_as(world.auditor).post("/api/v1/audit/verify/")
        assert response.status_code == 202, response.content
        return {"run_id": response.json()["id"]}, response.json()["id"]
    if check.target == "subject":
        household_id = str(Case.objects.get(pk=file_case(world, api_as)).household_id)
        return {"subject_id": household_id}, household_id
    if check.target == "notification":
        # Referred to team Noord: its coordinator is told.
        referred = _case(world, api_as, "awaiting_lead")
        note = Notification.objects.get(case_id=referred, recipient=world.coordinator_noord)
        return {"notification_id": note.pk}, str(note.pk)
    if check.target.startswith("record:"):
        return _record(world, api_as, check.target.removeprefix("record:"))
    if check.target.startswith("letter:"):
        case_id = _case(world, api_as, check.target.removeprefix("letter:"))
        return {"case_id": case_id, "template_id": _letter_template().pk}, case_id
    if check.target == "tray":
        # The demo's letters tray, holding a new case.
        from cases.demo import seed_demo_trays

        seed_demo_trays()
        file_case(world, api_as)
        tray = WorkTray.objects.get(recommended_action="letter")
        return {"tray_id": tray.pk}, str(tray.pk)
    if check.target == "letter_run":
        body = _letter_run(world)
        run = letter_services.start_print_run(
            actor=world.triage, template=body["template"], cases=body["cases"]
        )
        letter_services.process_print_run(run.pk)
        return {"run_id": run.pk}, str(run.pk)
    if check.target.startswith("case:"):
        case_id = _case(world, api_as, check.target.removeprefix("case:"))
        return {"case_id": case_id}, case_id
    return {}, ""


def _url(name: str, check: Check, made: dict[str, Any]) -> str:
    # A list page names no object in its URL.
    takes = _url_arguments(get_resolver())[name]
    url = reverse(
        name, kwargs={key: value for key, value in {**made, **check.kwargs}.items() if key in takes}
    )
    return f"{url}?{check.query}" if check.query else url


# ---------------------------------------------------------------- asking


def _client(name: str, world: SimpleNamespace, attribute: str | None, api_as: Any) -> APIClient | Client:
    user = getattr(world, attribute) if attribute else None
    if name in API or name in API_DOCS:
        return api_as(user)
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _ask(name: str, client: APIClient | Client, check: Check, url: str, world: SimpleNamespace) -> Any:
    body = check.body(world) if callable(check.body) else check.body
    if check.method == "get":
        return client.get(url)
    if check.method == "delete":
        return client.delete(url, body, format=check.format) if body else client.delete(url)
    if check.method in ("patch", "put"):
        return getattr(client, check.method)(url, body, format=check.format)
    if name in API:
        return client.post(url, body, format=check.format)
    return client.post(url, body)


CHECKS = sorted((name, n) for name, checks in ENTRIES.items() for n in range(len(checks)))
# Public URLs answer everyone alike: only the anonymous answer is checked for them.
GUARDED = [(name, n) for name, n in CHECKS if ENTRIES[name][n].roles != PUBLIC]


@pytest.mark.parametrize(("name", "n"), GUARDED, ids=[f"{name}-{n}" for name, n in GUARDED])
def test_each_actor_gets_the_answer_its_role_and_scope_give(world, api_as, name, n):
    check = ENTRIES[name][n]
    made, shown_as = _target(check, world, api_as)
    url = _url(name, check, made)
    wrong_roles = [ROLE_ACTORS[role] for role in ROLE_ACTORS if role not in check.roles]
    expected = {attribute: 403 for attribute in (*wrong_roles, *check.refused)}
    expected |= {attribute: 404 for attribute in check.not_found}
    if check.hidden_from:
        expected[check.hidden_from] = 200
    # The allowed actor last: their request may move the case on.
    expected[check.allowed] = check.ok

    answers = {}
    for attribute in expected:
        response = _ask(name, _client(name, world, attribute, api_as), check, url, world)
        answers[attribute] = response.status_code
        if attribute == check.hidden_from:
            assert shown_as not in response.content.decode(), f"{attribute} sees the object in {url}"
        elif attribute == check.allowed and check.hidden_from:
            assert shown_as in response.content.decode(), f"{attribute} does not see the object in {url}"

    assert answers == expected
    denied = sorted(
        (event.user_id, event.detail["status"])
        for event in AccessEvent.objects.filter(
            event_type="denied", action=f"{check.method.upper()} {url.split('?')[0]}"
        )
    )
    refusals = sorted((getattr(world, a).pk, status) for a, status in expected.items() if status >= 400)
    assert denied == refusals


@pytest.mark.parametrize(("name", "n"), CHECKS, ids=[f"{name}-{n}" for name, n in CHECKS])
def test_visitors_who_are_not_logged_in_are_refused_except_on_public_urls(world, api_as, name, n):
    check = ENTRIES[name][n]
    made = {
        "signal_id": uuid.uuid4(),
        "upload_id": uuid.uuid4(),
        "case_id": uuid.uuid4(),
        "run_id": uuid.uuid4(),
        "key_id": 987654321,
        "subject_id": uuid.uuid4(),
        "notification_id": 987654321,
        "template_id": 987654321,
        **{name: uuid.uuid4() for name in ("contact_id", "goal_id", "action_id", "member_id", "record_id")},
        "webhook_id": uuid.uuid4(),
        "tray_id": 987654321,
    }
    url = _url(name, check, made)
    response = _ask(name, _client(name, world, None, api_as), check, url, world)
    if check.roles == PUBLIC:
        assert response.status_code not in (401, 403)
        return
    if name in API:
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
