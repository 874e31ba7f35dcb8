"""Print runs in the background: the task takes the run's id, nothing else."""

from __future__ import annotations

import uuid

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services import forget_old_pdfs, process_print_run


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=12,
)
def make_print_run(run_id: str) -> str:
    """Make a print run by id; a redelivered task resumes after the last handled case."""
    return process_print_run(uuid.UUID(run_id)).state


@shared_task(acks_late=True)
def forget_old_print_runs() -> int:
    """Hourly: remove the PDFs of print runs past their keeping time."""
    return forget_old_pdfs()
