"""The access log's integrity check in the background: on request, and daily; and
its signed checkpoints, every minute."""

from __future__ import annotations

import uuid
from typing import Any

from celery import shared_task

from . import checkpoints
from .verification import execute, run_now


@shared_task(acks_late=True)
def run_verification(run_id: str) -> str:
    """Run an auditor's queued check by id; a redelivered task takes over a stalled run."""
    return execute(uuid.UUID(run_id)).state


@shared_task(acks_late=True)
def verify_audit_log() -> dict[str, Any]:
    """The daily check (beat), stored as a run so the latest result covers it; a failure
    is logged loudly and recorded in the access log itself."""
    run = run_now(via="task")
    return {"id": str(run.id), "ok": run.ok, "checked": run.checked, "first_bad": run.first_bad}


@shared_task(acks_late=True)
def write_checkpoint() -> dict[str, Any]:
    """Append a signed checkpoint of the chain heads to the file outside the database (beat,
    every minute); nothing when no head moved since the last one."""
    written = checkpoints.write()
    return {"written": written is not None, "chains": len(written.heads) if written else 0}
