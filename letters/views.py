"""The letters' pages: a case's letter from the case page, and a print run's progress and PDF.

The same services and selectors as the API (``letters.services``,
``letters.selectors``); the case page (``casefile``) offers the letter to
those who may record a contact attempt on the case now.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_fsm import ConcurrentTransition

from coordination.web_access import actor_of, role_required
from helpers.errors import Conflict

from . import selectors, services
from .api import pdf_response
from .models import PrintRun


@require_POST
@role_required(*selectors.LETTER_ROLES)
def case_letter(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The chosen template's letter for the case, downloaded as a PDF."""
    try:
        case, content = services.case_letter(
            actor=actor_of(request), case_id=case_id, template_id=request.POST.get("template", "")
        )
    except (Conflict, ConcurrentTransition) as exc:
        messages.error(request, str(exc) or _("Deze brief kan nu niet."))
        return redirect(reverse("cases_web:detail", kwargs={"case_id": case_id}) + "#contacten")
    return pdf_response(content, f"brief-{case.reference}.pdf")


@require_POST
@role_required(*selectors.LETTER_ROLES)
def tray_run(request: HttpRequest, tray_id: int) -> HttpResponse:
    """A print run for the work tray shown on the intake page; its page shows the progress."""
    actor = actor_of(request)
    back = reverse("cases_web:intake") + f"?tray={tray_id}"
    try:
        template = selectors.template_for(actor, request.POST.get("template", ""))
    except Http404:
        messages.error(request, _("Dit sjabloon bestaat niet."))
        return redirect(back)
    try:
        run = services.start_tray_print_run(actor=actor, template=template, tray_id=tray_id)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back)
    return redirect(reverse("letters_web:run", kwargs={"run_id": run.pk}))


@require_GET
@role_required(*selectors.LETTER_ROLES)
def run_detail(request: HttpRequest, run_id: uuid.UUID) -> HttpResponse:
    """A print run's progress; the page's script refreshes it while it runs."""
    run = selectors.run_for(actor_of(request), run_id)
    progress = selectors.progress(run)
    running = run.state in (PrintRun.State.PENDING, PrintRun.State.PROCESSING)
    percent = round(100 * run.done / run.total) if run.total else None
    return render(
        request,
        "letters/run_detail.html",
        {"run": run, "progress": progress, "running": running, "percent": percent},
    )


@require_GET
@role_required(*selectors.LETTER_ROLES)
def run_pdf(request: HttpRequest, run_id: uuid.UUID) -> HttpResponse:
    try:
        run, content = services.run_pdf(actor=actor_of(request), run_id=run_id)
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("letters_web:run", run_id=run_id)
    return pdf_response(content, f"brieven-{run.created_at:%Y%m%d-%H%M}.pdf")
