"""Periodic work of the web plumbing."""

from __future__ import annotations

from celery import shared_task

from .lockout import forget_old_attempts


@shared_task(acks_late=True)
def forget_old_login_attempts() -> int:
    return forget_old_attempts()
