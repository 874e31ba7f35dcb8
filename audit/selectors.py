"""Reading the access log (for auditors; they see every entry, and only log fields)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db.models import QuerySet

from .models import AccessEvent


def events(
    *,
    user: int | None = None,
    case: uuid.UUID | None = None,
    action: str | None = None,
    event_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AccessEvent]:
    """Entries matching every given filter, newest first.

    ``case`` answers "who saw this case". ``since`` is inclusive, ``until``
    exclusive (the caller turns a date into the start of the next day).
    """
    query = AccessEvent.objects.all()
    if user is not None:
        query = query.filter(user_id=user)
    if case is not None:
        query = query.filter(case_id=case)
    if action:
        query = query.filter(action=action)
    if event_type:
        query = query.filter(event_type=event_type)
    if since is not None:
        query = query.filter(occurred_at__gte=since)
    if until is not None:
        query = query.filter(occurred_at__lt=until)
    return query.order_by("-occurred_at", "-id")
