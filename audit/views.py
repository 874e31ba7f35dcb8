"""The auditor's pages: browse, filter and export the access log, check its integrity.

They log their own reads and exports exactly as the auditor API does
(``audit.api``): the entry is written before any log data leaves. Auditors
see log fields only, never case content.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from coordination.models import Role
from coordination.web_access import actor_of, role_required
from helpers.forms import WebForm, flatten_errors
from helpers.paging import page_query, paginate

from . import selectors, verification
from .api import EventQuery
from .export import csv_response
from .forms import event_filter_form
from .services import record

PER_PAGE = 50


def _filters(request: HttpRequest) -> tuple[WebForm, dict[str, Any]]:
    form = event_filter_form().bind(request.GET)
    query = EventQuery(data={name: value for name, value in form.values().items() if value})
    if query.is_valid():
        return form, dict(query.validated_data)
    form.add_errors(flatten_errors(query.errors))
    return form, {}


def _logged(filters: dict[str, Any]) -> dict[str, Any]:
    return {"filters": {name: str(value) for name, value in filters.items()}}


@role_required(Role.AUDITOR)
def event_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    page = paginate(request, selectors.events(**filters), PER_PAGE)
    rows = list(page.object_list)
    # Fetched but not yet served: the entry must be written first.
    record(
        actor=actor_of(request),
        event_type="read",
        action="audit.events.list",
        object_type="access_log",
        detail={**_logged(filters), "page": str(page.number), "rows": len(rows)},
    )
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": page_query(request),
            "case_filter": filters.get("case"),
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
        detail=_logged(filters),
    )
    return csv_response(selectors.events(**filters))


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
