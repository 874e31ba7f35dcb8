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

from audit.services import record_denied
from cases import casework, moves, pagination, permissions, selectors, trays, workflow
from cases.forms import (
    KIND_LABELS,
    QUEUE_STATES,
    TRANSITION_DONE,
    TRANSITION_LABELS,
    action_body,
    action_form,
    contact_body,
    contact_edit_body,
    contact_edit_form,
    contact_form,
    goal_body,
    goal_edit_body,
    goal_edit_form,
    goal_form,
    help_accepted_body,
    help_accepted_form,
    merge_form,
    network_body,
    network_edit_form,
    network_form,
    plan_body,
    plan_form,
    queue_filter_form,
    removal_body,
    removal_form,
    split_form,
    transition_body,
    transition_form,
)
from cases.models import Case, RecommendedAction, State
from coordination.homes import home_url
from coordination.models import CASE_ROLES, Role, User
from coordination.web_access import actor_of, role_required
from helpers.errors import Conflict
from helpers.forms import WebForm, django_errors, flatten_errors
from letters import selectors as letters
from signals import moves as signal_moves

from . import contents
from .access import not_yours_page
from .serializers import (
    ActionInputSerializer,
    ActionPatchSerializer,
    CaseFilterSerializer,
    ContactInputSerializer,
    ContactPatchSerializer,
    GoalInputSerializer,
    GoalPatchSerializer,
    HelpAcceptedInputSerializer,
    MergeInputSerializer,
    NetworkMemberSerializer,
    NetworkPatchSerializer,
    PlanInputSerializer,
    RemovalSerializer,
    SplitInputSerializer,
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
    # The intake's tabs: one per work tray, with its open cases and how many are late.
    tabs = trays.tray_counts(actor, queue=kind) if kind == "intake" else []
    chosen_tray = _chosen_tray(request, tabs)
    if chosen_tray is not None:
        chosen["tray"] = chosen_tray
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
            "filtered": bool(chosen.keys() - {"tray"}),
            "tabs": [_tab(request, tab, chosen_tray) for tab in tabs],
            "all_tab": _tab_link(request, None) if tabs else None,
            "chosen_tray": chosen_tray,
            "tray_name": next((tab.tray.name for tab in tabs if tab.tray.id == chosen_tray), ""),
            "letter_run": _letter_run(actor, tabs, chosen_tray),
        },
    )


def _letter_run(actor: User, tabs: list[trays.TrayCount], chosen: int | None) -> dict[str, Any] | None:
    """The print-run form above a tray whose first action is a letter, for who sends letters."""
    tray = next((tab.tray for tab in tabs if tab.tray.id == chosen), None)
    if tray is None or tray.recommended_action != RecommendedAction.LETTER:
        return None
    if not actor.has_role(*letters.LETTER_ROLES):
        return None
    templates = [
        (template.pk, f"{template.name} ({template.get_language_display()})")
        for template in letters.templates_for(actor)
    ]
    if not templates:
        return None
    return {"url": reverse("letters_web:tray_run", kwargs={"tray_id": tray.id}), "templates": templates}


def _chosen_tray(request: HttpRequest, tabs: list[trays.TrayCount]) -> int | None:
    """The tab asked for (``?tray=<id>``), when it is one of the trays shown."""
    wanted = request.GET.get("tray", "")
    if not wanted.isdigit():
        return None
    return next((tab.tray.id for tab in tabs if tab.tray.id == int(wanted)), None)


def _tab_link(request: HttpRequest, tray_id: int | None) -> str:
    """The queue with the filters kept, in another tray, from its first page."""
    query = request.GET.copy()
    for name in ("cursor", "before", "page", "tray"):
        query.pop(name, None)
    if tray_id is not None:
        query["tray"] = str(tray_id)
    return "?" + query.urlencode() if query else "?"


def _tab(request: HttpRequest, tab: trays.TrayCount, chosen: int | None) -> dict[str, Any]:
    return {
        "name": tab.tray.name,
        "action": RecommendedAction(tab.tray.recommended_action).label,
        "count": tab.count,
        "capped": tab.capped,
        "overdue": tab.overdue,
        "url": _tab_link(request, tab.tray.id),
        "current": tab.tray.id == chosen,
    }


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
    read = selectors.read_case_logged(actor=actor, case_id=case_id)
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
    if not read.break_glass and permissions.may_move(actor, case):
        forms["merge"] = merge_form()
        if len(signals) > 1:
            forms["split"] = split_form()
    may_correct = permissions.corrector(actor, case) if not read.break_glass else (lambda author: False)
    contact_rows = []
    for contact in case.contacts.all():
        row: dict[str, Any] = {"contact": contact, "edit": None, "remove": None}
        if may_correct(contact.by_id):
            row["edit"] = forms[f"contact-edit-{contact.pk}"] = contact_edit_form(
                contact, f"contact-edit-{contact.pk}"
            )
            row["remove"] = forms[f"contact-remove-{contact.pk}"] = removal_form(
                f"contact-remove-{contact.pk}"
            )
        contact_rows.append(row)
    goal_rows = []
    for goal in case.goals.all():
        row = {"goal": goal, "edit": None, "remove": None, "add_action": None, "actions": []}
        correctable = may_correct(goal.created_by_id)
        if correctable:
            row["edit"] = forms[f"goal-edit-{goal.pk}"] = goal_edit_form(goal, f"goal-edit-{goal.pk}")
            row["remove"] = forms[f"goal-remove-{goal.pk}"] = removal_form(f"goal-remove-{goal.pk}")
        if permissions.PLAN in offer.casework:
            row["add_action"] = forms[f"action-{goal.pk}"] = action_form(f"action-{goal.pk}")
        for action in goal.actions.all():
            remove = None
            if correctable:
                remove = forms[f"action-remove-{action.pk}"] = removal_form(f"action-remove-{action.pk}")
            row["actions"].append({"action": action, "correctable": correctable, "remove": remove})
        goal_rows.append(row)
    network_rows = []
    for member in case.network.all():
        row = {"member": member, "edit": None, "remove": None}
        if may_correct(member.added_by_id):
            edit_id, remove_id = f"network-edit-{member.pk}", f"network-remove-{member.pk}"
            row["edit"] = forms[edit_id] = network_edit_form(member, edit_id)
            row["remove"] = forms[remove_id] = removal_form(remove_id)
        network_rows.append(row)
    plan_texts = getattr(case, "plan_texts", None)
    if permissions.PLAN in offer.casework:
        forms["plan-texts"] = plan_form(plan_texts)
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
            "break_glass_reason": read.reason,
            "break_glass_until": read.until,
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
            "merge_form": forms.get("merge"),
            "split_form": forms.get("split"),
            "split_chosen": request.POST.getlist("signals")
            if failed is not None and failed.id == "split"
            else [],
            "contact_rows": contact_rows,
            "goal_rows": goal_rows,
            "network_rows": network_rows,
            "plan_texts": plan_texts,
            "plan_form": forms.get("plan-texts"),
            "help_accepted_form": forms.get("help_accepted"),
            # A letter is a contact attempt: offered to whoever may record one now.
            "letter_templates": list(letters.templates_for(actor))
            if permissions.CONTACT in offer.casework and actor.has_role(*letters.LETTER_ROLES)
            else [],
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
    try:
        return _case_page(request, case_id)
    except Http404:
        # Not theirs (or not there): those who may break the glass are offered it,
        # and the refusal is logged as the 404 page would log it.
        if permissions.may_break_glass(actor_of(request)):
            record_denied(actor=actor_of(request), request=request, status=404, code="not_found")
            return not_yours_page(request, case_id)
        raise


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
@role_required(Role.TRIAGE, Role.COORDINATOR)
def case_merge(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Merge the case named by its reference into this one (``cases.moves.merge``)."""
    other_id = selectors.case_id_by_reference(actor_of(request), request.POST.get("case", ""))
    if other_id is None and request.POST.get("case", "").strip():
        form = merge_form().bind(request.POST)
        form.add_errors({"case": [_("Geen casus met deze referentie in uw werk.")]})
        return _case_page(request, case_id, failed=form, status=400)
    body = {"case": str(other_id or ""), "reason": request.POST.get("reason", "")}
    return _submit(
        request,
        case_id,
        merge_form(),
        MergeInputSerializer(data={k: v for k, v in body.items() if v}),
        lambda *, actor, case_id, case, reason: moves.merge(
            actor=actor, case_id=case_id, other_id=case, reason=reason
        ),
        _("De casussen zijn samengevoegd in casus %s."),
    )


# ---------------------------------------------------------------- corrections


@require_POST
@role_required(*CASE_ROLES)
def case_contact_edit(request: HttpRequest, case_id: uuid.UUID, contact_id: uuid.UUID) -> HttpResponse:
    return _submit(
        request,
        case_id,
        contact_edit_form(form_id=f"contact-edit-{contact_id}"),
        ContactPatchSerializer(data=contact_edit_body(request.POST)),
        casework.update_contact_attempt,
        _("De contactpoging is gecorrigeerd."),
        "#contacten",
        arguments=lambda body: {**body, "contact_id": contact_id},
    )


@require_POST
@role_required(Role.TRIAGE, Role.COORDINATOR)
def case_split(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Split the checked signals off into a new case (``signals.moves.split``)."""
    body = {"signals": request.POST.getlist("signals"), "reason": request.POST.get("reason", "")}
    return _submit(
        request,
        case_id,
        split_form(),
        SplitInputSerializer(data=body),
        lambda *, actor, case_id, signals, reason: signal_moves.split(
            actor=actor, case_id=case_id, signal_ids=signals, reason=reason
        ).case,
        _("De signalen zijn afgesplitst van casus %s; ze staan in een nieuwe casus."),
    )


@require_POST
@role_required(*CASE_ROLES)
def case_goal_edit(request: HttpRequest, case_id: uuid.UUID, goal_id: uuid.UUID) -> HttpResponse:
    return _submit(
        request,
        case_id,
        goal_edit_form(form_id=f"goal-edit-{goal_id}"),
        GoalPatchSerializer(data=goal_edit_body(request.POST)),
        casework.update_plan_goal,
        _("Het doel is gecorrigeerd."),
        "#plan",
        arguments=lambda body: {**body, "goal_id": goal_id},
    )


@require_POST
@role_required(*permissions.casework_roles(permissions.PLAN))
def case_plan(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _submit(
        request,
        case_id,
        plan_form(),
        PlanInputSerializer(data=plan_body(request.POST)),
        casework.set_plan,
        _("Het plan is bijgewerkt."),
        "#plan",
    )


# What can be removed from the case page: the service and the keyword of the record's id.
_REMOVALS: dict[str, tuple[Callable[..., Any], str, str, str]] = {
    "contact": (casework.remove_contact_attempt, "contact_id", "#contacten", "contact-remove"),
    "goal": (casework.remove_plan_goal, "goal_id", "#plan", "goal-remove"),
    "network": (casework.remove_network_member, "member_id", "#netwerk", "network-remove"),
}


@require_POST
@role_required(*CASE_ROLES)
def case_remove(request: HttpRequest, case_id: uuid.UUID, kind: str, record_id: uuid.UUID) -> HttpResponse:
    if kind not in _REMOVALS:
        raise Http404
    service, keyword, anchor, form_prefix = _REMOVALS[kind]
    return _submit(
        request,
        case_id,
        removal_form(f"{form_prefix}-{record_id}"),
        RemovalSerializer(data=removal_body(request.POST)),
        service,
        _("Verwijderd. De tijdlijn houdt bij wie het verwijderde, wanneer en waarom."),
        anchor,
        arguments=lambda body: {**body, keyword: record_id},
    )


@require_POST
@role_required(*permissions.casework_roles(permissions.PLAN))
def case_action_add(request: HttpRequest, case_id: uuid.UUID, goal_id: uuid.UUID) -> HttpResponse:
    return _submit(
        request,
        case_id,
        action_form(f"action-{goal_id}"),
        ActionInputSerializer(data=action_body(request.POST)),
        casework.add_plan_action,
        _("De actie is aan het doel toegevoegd."),
        "#plan",
        arguments=lambda body: {**body, "goal_id": goal_id},
    )


@require_POST
@role_required(*CASE_ROLES)
def case_action_done(
    request: HttpRequest, case_id: uuid.UUID, goal_id: uuid.UUID, action_id: uuid.UUID
) -> HttpResponse:
    """Mark an action done, or not done after all."""
    return _submit(
        request,
        case_id,
        WebForm(f"action-done-{action_id}", []),
        ActionPatchSerializer(data={"done": request.POST.get("done") == "true"}),
        casework.update_plan_action,
        _("De actie is bijgewerkt."),
        "#plan",
        arguments=lambda body: {**body, "goal_id": goal_id, "action_id": action_id},
    )


@require_POST
@role_required(*CASE_ROLES)
def case_action_remove(
    request: HttpRequest, case_id: uuid.UUID, goal_id: uuid.UUID, action_id: uuid.UUID
) -> HttpResponse:
    return _submit(
        request,
        case_id,
        removal_form(f"action-remove-{action_id}"),
        RemovalSerializer(data=removal_body(request.POST)),
        casework.remove_plan_action,
        _("Verwijderd. De tijdlijn houdt bij wie het verwijderde, wanneer en waarom."),
        "#plan",
        arguments=lambda body: {**body, "goal_id": goal_id, "action_id": action_id},
    )


@require_POST
@role_required(*CASE_ROLES)
def case_network_edit(request: HttpRequest, case_id: uuid.UUID, member_id: uuid.UUID) -> HttpResponse:
    return _submit(
        request,
        case_id,
        network_edit_form(form_id=f"network-edit-{member_id}"),
        NetworkPatchSerializer(data=network_body(request.POST)),
        casework.update_network_member,
        _("Het netwerklid is gecorrigeerd."),
        "#netwerk",
        arguments=lambda body: {**body, "member_id": member_id},
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
