"""Bulk intake in the background.

Both tasks are idempotent and acknowledged late: a task whose worker process
is killed goes back to the queue at once (``task_reject_on_worker_lost``) and
resumes the part after its last committed batch; a task of a worker that
died whole comes back after the broker's visibility timeout, and the beat
(``resume_bulk_uploads``) hands on whatever stopped moving before that.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from celery import Task, shared_task
from django.conf import settings

from . import retention, tally, webhooks
from .bulk import RETRYABLE, PartBusy, process_part, process_upload, resume_stalled

BUSY_COUNTDOWN = 5  # seconds before a duplicate looks again whether the part is free
BUSY_RETRIES = 60  # then the beat takes over
DATABASE_RETRIES = 12  # with backoff up to DATABASE_BACKOFF_MAX: about ten minutes
DATABASE_BACKOFF_MAX = 60

bulk_task = shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # counted per cause below
    time_limit=settings.BULK_TASK_TIME_LIMIT,
)


def _retry(task: Task[Any, Any], exc: Exception) -> str:
    """Retry the task later for a busy part or a database error (raises ``Retry``).

    Out of retries, a busy part is left to the live worker holding it and a
    database error is raised again; either way the part stays as it is and
    the beat resumes it once its heartbeat is stale and no live worker holds it.
    """
    retries = task.request.retries
    if isinstance(exc, PartBusy):
        if retries >= BUSY_RETRIES:
            return "busy"
        raise task.retry(countdown=BUSY_COUNTDOWN, max_retries=None)
    if retries >= DATABASE_RETRIES:
        raise exc
    backoff = min(DATABASE_BACKOFF_MAX, 2**retries)
    raise task.retry(exc=exc, countdown=backoff / 2 + random.uniform(0, backoff / 2), max_retries=None)


@bulk_task
def process_bulk_upload(self: Task[Any, Any], upload_id: str) -> str:
    """Process a bulk upload by id; a redelivered task resumes where the last one stopped."""
    try:
        return process_upload(uuid.UUID(upload_id)).state
    except (PartBusy, *RETRYABLE) as exc:
        return _retry(self, exc)


@bulk_task
def process_bulk_part(self: Task[Any, Any], part_id: int) -> str:
    """File one part of a bulk upload by id; a redelivered task resumes the part."""
    try:
        return process_part(part_id).state
    except (PartBusy, *RETRYABLE) as exc:
        return _retry(self, exc)


@shared_task(acks_late=True)
def resume_bulk_uploads() -> int:
    """The beat's sweep (every minute): hand on bulk parts and uploads that stopped moving."""
    return resume_stalled()


@shared_task(acks_late=True)
def apply_retention() -> dict[str, Any]:
    """Erase what has passed its retention period (daily by the beat); safe to run twice."""
    return retention.apply_retention().as_dict()


@shared_task(acks_late=True)
def deliver_webhook(webhook_id: str) -> int:
    """Send one endpoint's due events (after each commit that wrote some)."""
    return webhooks.deliver_pending(uuid.UUID(webhook_id))


@shared_task(acks_late=True)
def deliver_due_webhooks() -> int:
    """The beat's sweep (every minute): a task for each endpoint with an event due."""
    due = webhooks.due_webhooks()
    for webhook_id in due:
        deliver_webhook.delay(webhook_id)
    return len(due)


@shared_task(acks_late=True)
def compact_figures() -> int:
    """Fold the figures' tally rows (``signals.tally``)."""
    return tally.compact()
