"""The access log's integrity check as a job: start it, run it, read how it went.

``start_verification`` (the auditor's API call and page) creates a
``VerificationRun`` and hands its id to a Celery task after commit; the
request answers at once. With a broker a worker runs the check (forked
processes in a solo worker, threads in a prefork child). Without a broker
(``CELERY_BROKER_URL`` unset, the ``make run`` default) Celery would run the
task inside the request, so the job gets a thread of the web process instead,
and there the check uses threads, never forked processes: a forked child of a
web process keeps its listening socket and outlives a killed worker.

Every check first writes a signed checkpoint of the chain heads
(``audit.checkpoints``) and then compares the log with all checkpoints so far.

The daily beat task and ``verify_audit_log`` run the check as a run of their
own, in their process (forking where allowed), so the latest finished check
covers them too. Checks take turns (a PostgreSQL advisory lock): a second one
waits, queued, until the first is done, instead of halving its speed.

Every outcome is also written to the access log (``audit.verify``), with the
run's id; that entry is the evidence, the run is what the pages show.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connections, router, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from coordination.models import Role, User

from . import checkpoints
from .integrity import DEFAULT_WORKERS, Progress, Result, verify
from .models import VerificationRun
from .services import record

logger = logging.getLogger(__name__)

REPORT_EVERY = 1.0
"""Seconds between progress writes of a running check."""
TURN_LOCK = 0x5345_5249_4659  # pg_advisory_lock key: one check at a time
_WAIT_STEP = 0.5
LOGGED_FINDINGS = 8
"""Findings copied into the ``audit.verify`` entry (its detail is kept small); the run keeps all."""


def start_verification(*, actor: User, via: str) -> VerificationRun:
    """Queue a check of the whole log for an auditor; it starts after commit.

    Logged as ``audit.verify.start``; the outcome is logged as ``audit.verify``
    when the check ends.
    """
    if not actor.has_role(Role.AUDITOR):
        raise PermissionDenied
    with transaction.atomic(durable=True):
        run = VerificationRun.objects.create(requested_by=actor, via=via)
        record(
            actor=actor,
            role=Role.AUDITOR,
            event_type="verify",
            action="audit.verify.start",
            object_type="verification_run",
            object_id=str(run.id),
            detail={"via": via},
        )
        run_id = str(run.id)
        transaction.on_commit(lambda: _dispatch(run_id), robust=True)
    return run


def _dispatch(run_id: str) -> None:
    from .tasks import run_verification

    if run_verification.app.conf.task_always_eager:
        # No broker: ``delay`` would run the check inside this request.
        threading.Thread(
            target=_run_in_thread, args=(run_id,), name=f"verify-audit-{run_id[:8]}", daemon=True
        ).start()
    else:
        run_verification.delay(run_id)


def _run_in_thread(run_id: str) -> None:
    try:
        execute(uuid.UUID(run_id), fork=False)
    except Exception:  # the run records its own failure; nothing else waits on this thread
        logger.exception("Access-log verification %s failed", run_id)
    finally:
        connections.close_all()  # this thread's own connections


def run_now(
    *,
    via: str,
    actor: User | None = None,
    chains: list[int] | None = None,
    workers: int = DEFAULT_WORKERS,
) -> VerificationRun:
    """Create a run and check it here and now (beat task, command): may fork."""
    run = VerificationRun.objects.create(requested_by=actor, via=via, chains=chains)
    return execute(run.id, workers=workers)


def execute(run_id: uuid.UUID, *, fork: bool = True, workers: int = DEFAULT_WORKERS) -> VerificationRun:
    """Run a queued check (once; a redelivered task takes over a stalled one) and store its outcome.

    Waits for its turn, marks the run ``running``, reports progress from a
    second thread while the check runs, then stores the outcome and its
    access-log entry in one transaction. A check that breaks down is stored
    as ``failed`` with the error and re-raised.
    """
    with _turn(run_id):
        if not _claim(run_id):
            return VerificationRun.objects.get(pk=run_id)  # finished, failed, or another has it
        run = VerificationRun.objects.select_related("requested_by").get(pk=run_id)
        progress = Progress()
        try:
            checkpoints.write()
            with _reporting(run_id, progress):
                result = verify(chains=run.chains, workers=workers, fork=fork, progress=progress)
        except Exception as exc:
            _store_failure(run, exc)
            raise
        _store_result(run, result, progress.total)
    run.refresh_from_db()
    return run


@contextmanager
def _turn(run_id: uuid.UUID) -> Iterator[None]:
    """Hold the one-check-at-a-time lock (PostgreSQL; elsewhere nothing to share)."""
    connection = connections[router.db_for_write(VerificationRun)]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # Polled rather than waited for in one statement, so that a
        # lock_timeout setting cannot cut the wait short.
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [TURN_LOCK])
            if cursor.fetchone()[0]:
                break
            if not VerificationRun.objects.filter(pk=run_id, state=VerificationRun.State.QUEUED).exists():
                break  # taken over or ended elsewhere: the claim below says no
            time.sleep(_WAIT_STEP)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [TURN_LOCK])


def _claim(run_id: uuid.UUID) -> bool:
    """Queued, or running but stalled (its process died and the task came again): ours now."""
    now = timezone.now()
    stalled = now - VerificationRun.STALLED_AFTER
    running = VerificationRun.State.RUNNING
    return bool(
        VerificationRun.objects.filter(pk=run_id)
        .filter(
            Q(state=VerificationRun.State.QUEUED)
            | Q(state=running, heartbeat_at__lt=stalled)
            | Q(state=running, heartbeat_at__isnull=True, started_at__lt=stalled)
        )
        .update(state=running, started_at=now, heartbeat_at=now, checked=0, total=None)
    )


@contextmanager
def _reporting(run_id: uuid.UUID, progress: Progress) -> Iterator[None]:
    """Write ``progress`` to the run every ``REPORT_EVERY`` seconds while the body runs.

    From a thread of its own: the check's connection sits in a read-only
    snapshot, and its forked processes cannot write to the run.
    """
    stop = threading.Event()

    def report() -> None:
        try:
            while not stop.wait(REPORT_EVERY):
                try:
                    VerificationRun.objects.filter(pk=run_id, state=VerificationRun.State.RUNNING).update(
                        checked=progress.checked, total=progress.total, heartbeat_at=timezone.now()
                    )
                except DatabaseError:  # progress is a courtesy; the check goes on
                    logger.warning("Could not record the progress of verification %s", run_id)
        finally:
            connections.close_all()

    reporter = threading.Thread(target=report, name=f"verify-progress-{str(run_id)[:8]}", daemon=True)
    reporter.start()
    try:
        yield
    finally:
        stop.set()
        reporter.join()


def _store_result(run: VerificationRun, result: Result, total: int | None) -> None:
    with transaction.atomic():
        VerificationRun.objects.filter(pk=run.pk).update(
            state=VerificationRun.State.FINISHED,
            ok=result.ok,
            checked=result.checked,
            total=total,
            first_bad=result.first_bad,
            checkpoints=result.checkpoints,
            findings=[finding.as_dict() for finding in result.findings],
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
        record(
            actor=run.requested_by,
            event_type="verify",
            action="audit.verify",
            outcome="success" if result.ok else "error",
            object_type="verification_run",
            object_id=str(run.id),
            detail={
                "ok": result.ok,
                "checked": result.checked,
                "first_bad": result.first_bad,
                "checkpoints": result.checkpoints,
                "findings": [finding.as_dict() for finding in result.findings[:LOGGED_FINDINGS]],
                "findings_total": len(result.findings),
                "chains": run.chains,
                "via": run.via,
            },
        )
    if not result.ok:
        logger.error(
            "Access log integrity check failed; first bad entry id %s, %d checkpoint finding(s)",
            result.first_bad,
            len(result.findings),
        )


def _store_failure(run: VerificationRun, exc: Exception) -> None:
    # Only the exception's class goes out: its text could quote a row.
    reason = type(exc).__name__
    with transaction.atomic():
        VerificationRun.objects.filter(pk=run.pk).update(
            state=VerificationRun.State.FAILED, error=reason, finished_at=timezone.now()
        )
        record(
            actor=run.requested_by,
            event_type="verify",
            action="audit.verify",
            outcome="error",
            object_type="verification_run",
            object_id=str(run.id),
            detail={"error": reason, "chains": run.chains, "via": run.via},
        )


# Reads (auditors see every run; there is nothing personal in one).


def run_for(actor: User, run_id: uuid.UUID) -> VerificationRun:
    """One run for an auditor, or 404; the read is logged (``audit.verify.read``)."""
    if not actor.has_role(Role.AUDITOR):
        raise Http404
    try:
        run = VerificationRun.objects.get(pk=run_id)
    except VerificationRun.DoesNotExist:
        raise Http404 from None
    _log_read(actor, run)
    return run


def latest_finished(actor: User) -> VerificationRun | None:
    """The newest check of the whole log that finished (whatever it found); logged."""
    if not actor.has_role(Role.AUDITOR):
        raise Http404
    run = (
        VerificationRun.objects.filter(state=VerificationRun.State.FINISHED, chains__isnull=True)
        .order_by("-finished_at")
        .first()
    )
    _log_read(actor, run, latest=True)
    return run


def active_run() -> VerificationRun | None:
    """The newest check that is queued or running, if any (for the page's link to it)."""
    run = (
        VerificationRun.objects.filter(
            state__in=[VerificationRun.State.QUEUED, VerificationRun.State.RUNNING]
        )
        .order_by("-created_at")
        .first()
    )
    return run if run is not None and run.active else None


def _log_read(actor: User, run: VerificationRun | None, *, latest: bool = False) -> None:
    record(
        actor=actor,
        role=Role.AUDITOR,
        event_type="read",
        action="audit.verify.read",
        object_type="verification_run",
        object_id=str(run.id) if run is not None else "",
        detail={"latest": latest, "state": run.state if run is not None else None},
    )


def describe(run: VerificationRun) -> dict[str, Any]:
    """A run as the API shows it; a stalled run shows as failed."""
    stalled = run.stalled
    return {
        "id": str(run.id),
        "state": run.shown_state,
        "ok": run.ok,
        "checked": run.checked,
        "total": run.total,
        "first_bad": run.first_bad,
        "checkpoints": run.checkpoints,
        "findings": run.findings,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "error": "stalled" if stalled else run.error,
    }
