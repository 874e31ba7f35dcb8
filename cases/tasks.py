"""Background work on cases. Tasks take no personal data, reload, and are safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from . import deadlines, notifications, trays


@shared_task(
    acks_late=True, autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=None
)
def deliver_notifications() -> int:
    """Drain the notification outbox (after each commit that wrote to it, and every minute)."""
    return notifications.deliver_pending()


@shared_task(acks_late=True)
def run_deadlines() -> dict[str, Any]:
    return deadlines.run_deadlines().as_dict()


@shared_task(acks_late=True)
def retray_cases() -> int:
    """Place the open cases in the work trays again (after the trays changed)."""
    return trays.retray_open_cases()
