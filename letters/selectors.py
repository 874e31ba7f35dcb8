"""Reads for letters, scoped to the actor: "not yours" and "not there" are both 404."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from cases import permissions
from coordination.models import CASE_ROLES, User

from .models import LetterTemplate, PrintRun, PrintRunItem

TEMPLATE_ROLES = tuple(sorted(CASE_ROLES))
"""Who sees the list of templates: every case role."""

LETTER_ROLES = permissions.casework_roles(permissions.CONTACT)
"""Who sends letters: a letter is a contact attempt, so those who record them."""


def templates_for(actor: User) -> QuerySet[LetterTemplate]:
    """The active templates, for the case roles; none for anyone else."""
    if not actor.has_role(*TEMPLATE_ROLES):
        return LetterTemplate.objects.none()
    return LetterTemplate.objects.filter(active=True).order_by("name", "pk")


def template_for(actor: User, template_id: Any) -> LetterTemplate:
    """One active template, or 404."""
    try:
        return templates_for(actor).get(pk=int(template_id))
    except (LetterTemplate.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def runs_for(actor: User) -> QuerySet[PrintRun]:
    """The actor's own print runs: who made a run is the one who reads and downloads it."""
    if not actor.has_role(*LETTER_ROLES):
        return PrintRun.objects.none()
    return PrintRun.objects.filter(created_by=actor).order_by("-created_at", "id")


def run_for(actor: User, run_id: uuid.UUID) -> PrintRun:
    try:
        return runs_for(actor).select_related("template").defer("sealed").get(pk=run_id)
    except PrintRun.DoesNotExist:
        raise Http404 from None


MAX_LISTED_ERRORS = 500
"""Refused cases listed with a run's progress, in the run's order; ``failed`` counts them all."""


def progress(run: PrintRun) -> dict[str, Any]:
    """The run's progress and its refused cases (by reference: no personal data)."""
    failed = (
        PrintRunItem.objects.filter(run=run, outcome=PrintRunItem.Outcome.FAILED)
        .select_related("case")
        .only("case__reference", "case_id", "error")
        .order_by("position")[:MAX_LISTED_ERRORS]
    )
    return {
        "id": str(run.pk),
        "state": run.state,
        "template": {"id": run.template_id, "name": run.template.name},
        "total": run.total,
        "done": run.done,
        "letters": run.letters,
        "skipped": run.skipped,
        "failed": run.failed,
        "failure": run.failure,
        "errors": [
            {"case": str(item.case_id), "reference": item.case.reference, "message": item.error}
            for item in failed
        ],
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "pdf_removed_at": run.removed_at,
    }
