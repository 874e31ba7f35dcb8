"""The auditor's pages: browse, filter and export the access log, find a household
and see who saw it, check the log's integrity.

They log their own reads and exports exactly as the auditor API does
(``audit.api``): the entry is written before any log data leaves. Auditors
see log fields only, never case content.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from coordination.models import Role
from coordination.web_access import actor_of, role_required
from helpers import paging
from helpers.forms import FormField, WebForm, flatten_errors

from . import selectors, subjects, verification
from .api import EventQuery, SubjectQuery
from .export import csv_response, viewer_csv_response
from .forms import event_filter_form
from .labels import action_label, role_label
from .letter import letter_pdf
from .services import record

PER_PAGE = 50


def _filters(request: HttpRequest) -> tuple[WebForm, dict[str, Any]]:
    form = event_filter_form().bind(request.GET)
    query = EventQuery(data={name: value for name, value in form.values().items() if value})
    if query.is_valid():
        return form, dict(query.validated_data)
    form.add_errors(flatten_errors(query.errors))
    return form, {}


def _place(request: HttpRequest) -> dict[str, Any]:
    """Where the page starts; an edited or cut-off link shows the first page."""
    try:
        if request.GET.get("cursor"):
            return {"after": selectors.decode(request.GET["cursor"])}
        if request.GET.get("before"):
            return {"before": selectors.decode(request.GET["before"])}
    except paging.InvalidCursor:
        return {}
    return {"last": request.GET.get("last") == "1"}


def _link(request: HttpRequest, **place: str) -> str:
    query = request.GET.copy()
    for name in ("cursor", "before", "last"):
        query.pop(name, None)
    query.update(place)
    return "?" + query.urlencode()


class _Row:
    """An entry as the page shows it: the action in words, the case's reference."""

    def __init__(self, event: Any, reference: str) -> None:
        self.event = event
        self.reference = reference
        self.action_label = action_label(event.action)
        self.role_label = role_label(event.role)


@role_required(Role.AUDITOR)
def event_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    events = selectors.events(**filters)
    page = selectors.page_of(events, size=PER_PAGE, **_place(request))
    count = selectors.capped_count(events)
    references = subjects.references(event.case_id for event in page.rows)
    # Fetched but not yet served: the entry must be written first.
    record(
        actor=actor_of(request),
        event_type="read",
        action="audit.events.list",
        object_type="access_log",
        detail={**selectors.logged_filters(filters), "rows": len(page.rows)},
    )
    next_cursor, previous_cursor = page.next_cursor(), page.previous_cursor()
    case_filter = filters.get("case")
    case_reference = subjects.references([case_filter]).get(case_filter, "") if case_filter else ""
    case_subjects = sorted(subjects.subjects_by_reference(case_reference)) if case_reference else []
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "rows": [
                _Row(event, references.get(event.case_id, "") if event.case_id else "") for event in page.rows
            ],
            "count": count,
            "exact": count <= selectors.COUNT_CAP,
            "cap": number_format(selectors.COUNT_CAP, force_grouping=True),
            "pager": {
                "first_url": _link(request) if page.has_previous else None,
                "previous_url": _link(request, before=previous_cursor) if previous_cursor else None,
                "next_url": _link(request, cursor=next_cursor) if next_cursor else None,
                "last_url": _link(request, last="1") if page.has_next else None,
            },
            "export_query": _link(request)[1:],
            "case_filter": case_filter,
            "case_reference": case_reference,
            "case_subjects": case_subjects,
            "filtered": bool(filters),
        },
        status=400 if form.has_errors else 200,
    )


@role_required(Role.AUDITOR)
def event_export(request: HttpRequest) -> HttpResponseBase:
    form, filters = _filters(request)
    if form.has_errors:  # the list page shows what is wrong with the filters
        return redirect(f"{reverse('audit_web:events')}?{request.GET.urlencode()}")
    # Logged before the first byte leaves: no entry, no export.
    record(
        actor=actor_of(request),
        event_type="export",
        action="audit.events.export",
        object_type="access_log",
        detail=selectors.logged_filters(filters),
    )
    return csv_response(selectors.events(**filters))


def _search_form() -> WebForm:
    return WebForm(
        "subjects",
        [
            FormField(
                "case",
                _("Referentie van een casus of signaal"),
                hint=_("Bijvoorbeeld C-WV5U-P777 of S-…"),
                autocomplete="off",
            ),
            FormField(
                "bsn",
                _("BSN van een bewoner"),
                hint=_(
                    "Wordt niet opgeslagen en niet in het log gezet; vindt ook huishoudens"
                    " waarvan de gegevens al zijn verwijderd."
                ),
                autocomplete="off",
                inputmode="numeric",
                width="m",
            ),
        ],
    )


@role_required(Role.AUDITOR)
def subject_search(request: HttpRequest) -> HttpResponse:
    """Find a household by a reference or a BSN. The form posts, so a BSN never
    appears in a URL (nor in the browser's history or a proxy's log)."""
    form = _search_form()
    found: list[subjects.Found] | None = None
    if request.method == "POST":
        form.bind(request.POST)
        values = {name: value.strip() for name, value in form.values().items() if value.strip()}
        if "case" in values:
            values["case"] = values["case"].upper()
        query = SubjectQuery(data={"case": values["case"]} if "case" in values else values)
        if not values:
            form.add_errors({"case": [_("Vul een referentie of een BSN in.")]})
        elif query.is_valid():
            found = subjects.find(actor=actor_of(request), via="web", **query.validated_data)
        else:
            form.add_errors(flatten_errors(query.errors))
        form.fields["bsn"].value = ""  # not sent back to the browser
    return render(
        request,
        "audit/subject_search.html",
        {"form": form, "found": found},
        status=400 if form.has_errors else 200,
    )


def _summary(request: HttpRequest, subject_id: uuid.UUID, action: str, event_type: str) -> subjects.Summary:
    summary = subjects.summary(str(subject_id))
    if summary is None:
        raise Http404
    record(
        actor=actor_of(request),
        event_type=event_type,
        action=action,
        object_type="subject",
        object_id=summary.subject_id,
        detail={"people": len(summary.viewers)},
    )
    return summary


@role_required(Role.AUDITOR)
def subject_detail(request: HttpRequest, subject_id: uuid.UUID) -> HttpResponse:
    """Who saw this household: per person and role, with the entries behind each line a click away."""
    summary = _summary(request, subject_id, "audit.subjects.read", "read")
    return render(
        request,
        "audit/subject_detail.html",
        {
            "summary": summary,
            "lines": [
                {
                    "viewer": viewer,
                    "role_label": role_label(viewer.role),
                    "actions": [action_label(action) for action in viewer.actions],
                }
                for viewer in summary.viewers
            ],
        },
    )


@role_required(Role.AUDITOR)
def subject_export(request: HttpRequest, subject_id: uuid.UUID) -> HttpResponse:
    summary = _summary(request, subject_id, "audit.subjects.export", "export")
    return viewer_csv_response(summary.subject_id, summary.viewers)


@role_required(Role.AUDITOR)
def subject_letter(request: HttpRequest, subject_id: uuid.UUID) -> HttpResponse:
    """The letter that answers a resident's request, as PDF; making it is logged."""
    summary = _summary(request, subject_id, "audit.subjects.letter", "export")
    response = HttpResponse(
        letter_pdf(cases=summary.cases, viewers=summary.viewers), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="inzage-{summary.subject_id[:8]}.pdf"'
    return response


@role_required(Role.AUDITOR)
def verify(request: HttpRequest) -> HttpResponse:
    """GET shows the latest finished check and offers a new one; POST starts one
    in the background and leads to its page."""
    actor = actor_of(request)
    if request.method == "POST":
        run = verification.start_verification(actor=actor, via="web")
        return redirect("audit_web:verify_run", run_id=run.pk)
    latest = verification.latest_finished(actor)
    return render(request, "audit/verify.html", {"latest": latest, "active": verification.active_run()})


@role_required(Role.AUDITOR)
def verify_run(request: HttpRequest, run_id: uuid.UUID) -> HttpResponse:
    """One check's state and progress; the page's script refreshes it while it runs."""
    run = verification.run_for(actor_of(request), run_id)
    return render(request, "audit/verify_run.html", {"run": run})
