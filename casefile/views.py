"""Queue pages and the case page for triage, coordinators and lead professionals.

Reads go through ``cases.selectors`` (which log them), every change through
the service the API calls (``cases.workflow``, ``cases.casework``); the
serializers of the API validate the posted fields. What the case page offers
is asked of ``cases.permissions``, the rules the services enforce.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import serializers

from cases import casework, pagination, permissions, selectors, workflow
from cases.forms import (
    KIND_LABELS,
    QUEUE_STATES,
    TRANSITION_DONE,
    TRANSITION_LABELS,
    contact_body,
    contact_form,
    goal_body,
    goal_form,
    help_accepted_body,
    help_accepted_form,
    network_body,
    network_form,
    queue_filter_form,
    transition_body,
    transition_form,
)
from cases.models import Case, State
from coordination.homes import home_url
from coordination.models import CASE_ROLES, Role, User
from coordination.web_access import actor_of, role_required
from helpers.errors import Conflict
from helpers.forms import WebForm, django_errors, flatten_errors

from . import contents
from .serializers import (
    CaseFilterSerializer,
    ContactInputSerializer,
    GoalInputSerializer,
    HelpAcceptedInputSerializer,
    NetworkMemberSerializer,
    TransitionInputSerializer,
)

PER_PAGE = 25
_RACES = (Conflict, ConcurrentTransition, TransitionNotAllowed)


# ---------------------------------------------------------------- queues


def _queue(request: HttpRequest, kind: str, title: str, intro: str) -> HttpResponse:
    actor = actor_of(request)
    teams = list(actor.teams.order_by("name")) if kind == "team" else []
    form = queue_filter_form(kind, teams).bind(request.GET)
    raw = {name: value for name, value in form.values().items() if value}
    filters = CaseFilterSerializer(data=raw)
    if filters.is_valid():
        chosen = dict(filters.validated_data)
    else:
        form.add_errors(flatten_errors(filters.errors))
        chosen = {}
    if chosen.get("state") and chosen["state"] not in QUEUE_STATES[kind]:
        chosen.pop("state")
    position = _position(request)
    read = selectors.queue_page(
        actor, queue=kind, size=PER_PAGE, after=position.after, before=position.before, counted=True, **chosen
    )
    rows = read.page.rows
    selectors.log_queue_read(actor=actor, count=len(rows))
    return render(
        request,
        "cases/queue.html",
        {
            "kind": kind,
            "title": title,
            "intro": intro,
            "form": form,
            "pager": _pager(request, read, position),
            "rows": rows,
            "filtered": bool(chosen),
        },
    )


@dataclass(frozen=True)
class _Position:
    """Where in the queue a page is: after or before a row's sort keys, and its number."""

    after: pagination.Key | None = None
    before: pagination.Key | None = None
    number: int = 1


def _position(request: HttpRequest) -> _Position:
    """The page asked for by the pager's links; an edited or cut-off link shows the first page."""
    try:
        number = min(max(2, int(request.GET.get("page") or 2)), 1_000_000)
    except ValueError:
        number = 2
    try:
        if request.GET.get("cursor"):
            return _Position(after=pagination.decode(request.GET["cursor"]), number=number)
        if request.GET.get("before"):
            return _Position(before=pagination.decode(request.GET["before"]), number=number)
    except pagination.InvalidCursor:
        pass
    return _Position()


def _pager(request: HttpRequest, read: selectors.QueueRead, position: _Position) -> dict[str, Any]:
    """What the pager and the count line show: page links carry the sort keys of the
    row they continue from (no personal data), a page number, and the filters."""
    page = read.page
    number = position.number if page.has_previous else 1
    count = read.count or 0
    exact = count <= selectors.QUEUE_COUNT_CAP

    def link(**place: str) -> str:
        query = request.GET.copy()
        for name in ("cursor", "before", "page"):
            query.pop(name, None)
        query.update(place)
        return "?" + query.urlencode()

    next_cursor, previous_cursor = page.next_cursor(), page.previous_cursor()
    previous_url = None
    if previous_cursor and number > 2:
        previous_url = link(before=previous_cursor, page=str(number - 1))
    elif page.has_previous:
        previous_url = link()  # the first page, without a cursor
    return {
        "number": number,
        "pages": max(number, -(-count // PER_PAGE)) if exact else None,
        "count": count,
        "exact": exact,
        "cap": number_format(selectors.QUEUE_COUNT_CAP, force_grouping=True),
        "next_url": link(cursor=next_cursor, page=str(number + 1)) if next_cursor else None,
        "previous_url": previous_url,
    }


@role_required(Role.TRIAGE)
def intake_queue(request: HttpRequest) -> HttpResponse:
    return _queue(
        request,
        "intake",
        _("Intake"),
        _("Nieuwe casussen en casussen in triage of outreach. Te laat bovenaan, dan de hoogste prioriteit."),
    )


@role_required(Role.COORDINATOR)
def team_queue(request: HttpRequest) -> HttpResponse:
    return _queue(
        request,
        "team",
        _("Teamwachtrij"),
        _("De casussen van uw wijkteam(s). Te laat bovenaan, dan de hoogste prioriteit."),
    )


@role_required(Role.PROFESSIONAL)
def my_cases(request: HttpRequest) -> HttpResponse:
    return _queue(
        request,
        "mine",
        _("Mijn casussen"),
        _("De casussen waarvan u de regisseur bent. Te laat bovenaan, dan de hoogste prioriteit."),
    )


# ---------------------------------------------------------------- the case page


def _describe(item: dict[str, Any]) -> dict[str, Any]:
    """A timeline item with labels in the reader's language."""
    described = dict(item, kind_label=KIND_LABELS.get(item["kind"], item["kind"]))
    if item["kind"] == "transition":
        states = dict(State.choices)
        described["step_label"] = TRANSITION_LABELS.get(item["name"], item["name"])
        described["source_label"] = states.get(item["source"], item["source"])
        described["target_label"] = states.get(item["target"], item["target"])
    return described


def _case_page(
    request: HttpRequest,
    case_id: uuid.UUID,
    *,
    failed: WebForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the case page (a logged ``case.read``); ``failed`` is a posted form to show with its errors."""
    actor = actor_of(request)
    read = selectors.read_case_logged(
        actor=actor, case_id=case_id, break_glass_reason=request.GET.get("reason", "")
    )
    case = read.case
    signals = contents.signals_of(case)
    offer = permissions.offer(actor, case, break_glass=read.break_glass)
    forms: dict[str, WebForm] = {}
    for name in offer.transitions:
        forms[f"transition-{name}"] = transition_form(name, case)
    if permissions.CONTACT in offer.casework:
        forms["contact"] = contact_form()
    if permissions.PLAN in offer.casework:
        forms["goal"] = goal_form()
    if permissions.NETWORK in offer.casework:
        forms["network"] = network_form()
    if permissions.HELP_ACCEPTED in offer.casework and case.help_accepted_on is None:
        forms["help_accepted"] = help_accepted_form()
    if failed is not None and failed.id in forms:
        forms[failed.id] = _merge(forms[failed.id], failed)
    transitions = [
        {"name": name, "label": TRANSITION_LABELS[name], "form": forms[f"transition-{name}"]}
        for name in offer.transitions
    ]
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "break_glass": read.break_glass,
            "break_glass_reason": request.GET.get("reason", "") if read.break_glass else "",
            "signals": signals,
            "timeline": [_describe(item) for item in reversed(contents.timeline(case, signals))],
            "contacts": list(case.contacts.all()),
            "goals": list(case.goals.all()),
            "network": list(case.network.all()),
            "possible_matches": selectors.possible_matches(actor, case),
            "transitions": transitions,
            "contact_form": forms.get("contact"),
            "goal_form": forms.get("goal"),
            "network_form": forms.get("network"),
            "help_accepted_form": forms.get("help_accepted"),
            "failed": failed,
        },
        status=status,
    )


def _merge(fresh: WebForm, posted: WebForm) -> WebForm:
    """The fresh form (with its choices) holding the posted values and errors."""
    fresh.bind(posted.values())
    fresh.errors = list(posted.errors)
    for item in posted:
        if item.name in fresh:
            fresh[item.name].errors = list(item.errors)
    return fresh


@role_required(*CASE_ROLES)
def case_detail(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _case_page(request, case_id)


def _after_change(actor: User, case_id: uuid.UUID, anchor: str = "") -> str:
    """Back to the case if the actor still sees it, else to their queue."""
    if permissions.cases_for(actor).filter(pk=case_id).exists():
        return reverse("cases_web:detail", kwargs={"case_id": case_id}) + anchor
    return home_url(actor) or "/"


def _conflict(request: HttpRequest, actor: User, case_id: uuid.UUID, exc: Exception) -> HttpResponse:
    """A refused step: someone else moved the case first, or its state does not allow it."""
    current = permissions.cases_for(actor).filter(pk=case_id).values_list("state", flat=True).first()
    seen = request.POST.get("seen_state", "")
    if isinstance(exc, ConcurrentTransition) or current != seen:
        messages.error(
            request,
            _(
                "Iemand anders was u voor: de casus is intussen veranderd. "
                "Bekijk de nieuwe stand en kies opnieuw."
            ),
        )
    else:
        messages.error(request, str(exc) or _("Deze stap kan nu niet."))
    return redirect(_after_change(actor, case_id))


def _submit(
    request: HttpRequest,
    case_id: uuid.UUID,
    form: WebForm,
    serializer: serializers.Serializer[Any],
    service: Callable[..., Any],
    done: str,
    anchor: str = "",
    arguments: Callable[[dict[str, Any]], dict[str, Any]] = dict,
) -> HttpResponse:
    """Validate with the API's serializer, call the API's service, answer like a web page."""
    actor = actor_of(request)
    form.bind(request.POST)
    if not serializer.is_valid():
        form.add_errors(flatten_errors(serializer.errors))
        return _case_page(request, case_id, failed=form, status=400)
    try:
        result = service(actor=actor, case_id=case_id, **arguments(dict(serializer.validated_data)))
    except _RACES as exc:
        return _conflict(request, actor, case_id, exc)
    except DjangoValidationError as exc:
        form.add_errors(django_errors(exc))
        return _case_page(request, case_id, failed=form, status=400)
    reference = result.reference if isinstance(result, Case) else ""
    messages.success(request, done % reference if "%s" in done else done)
    return redirect(_after_change(actor, case_id, anchor))


@require_POST
@role_required(*CASE_ROLES)
def case_transition(request: HttpRequest, case_id: uuid.UUID, transition: str) -> HttpResponse:
    if transition not in permissions.TRANSITIONS:
        raise Http404
    # The case is only known once the service found it in the actor's scope: this
    # form carries the posted values, the page puts them into one with choices.
    return _submit(
        request,
        case_id,
        transition_form(transition, None),
        TransitionInputSerializer(data=transition_body(transition, request.POST)),
        getattr(workflow, transition),
        str(TRANSITION_DONE[transition]),
        arguments=lambda body: permissions.transition_arguments(transition, body),
    )


@require_POST
@role_required(*permissions.casework_roles(permissions.CONTACT))
def case_contact(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _submit(
        request,
        case_id,
        contact_form(),
        ContactInputSerializer(data=contact_body(request.POST)),
        casework.record_contact_attempt,
        _("De contactpoging is vastgelegd."),
        "#contacten",
    )


@require_POST
@role_required(*permissions.casework_roles(permissions.PLAN))
def case_goal(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _submit(
        request,
        case_id,
        goal_form(),
        GoalInputSerializer(data=goal_body(request.POST)),
        casework.add_plan_goal,
        _("Het doel is aan het plan toegevoegd."),
        "#plan",
    )


@require_POST
@role_required(*permissions.casework_roles(permissions.NETWORK))
def case_network(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _submit(
        request,
        case_id,
        network_form(),
        NetworkMemberSerializer(data=network_body(request.POST)),
        casework.add_network_member,
        _("Het netwerk is aangevuld."),
        "#netwerk",
    )


@require_POST
@role_required(*permissions.casework_roles(permissions.HELP_ACCEPTED))
def case_help_accepted(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _submit(
        request,
        case_id,
        help_accepted_form(),
        HelpAcceptedInputSerializer(data=help_accepted_body(request.POST)),
        casework.record_help_accepted,
        _("Vastgelegd dat de hulp is geaccepteerd; de melders zien het."),
        "#stand",
    )
