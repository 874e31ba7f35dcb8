from __future__ import annotations

import uuid

from celery import shared_task

from .bulk import process_part, process_upload


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def process_bulk_upload(upload_id: str) -> str:
    """Process a bulk upload by id; a redelivered task resumes where the last one stopped."""
    return process_upload(uuid.UUID(upload_id)).state


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def process_bulk_part(part_id: int) -> str:
    """File one part of a bulk upload by id; a redelivered task resumes the part."""
    return process_part(part_id).state
