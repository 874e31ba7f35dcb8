"""The inbox on screen: the notifications a user is sent, besides the mail.

The rows are the outbox's (``cases.notifications``): one per recipient,
written with the change it tells of. On screen they show what the mail
says — the kind of news and the case's reference, with a link — and no
personal data. Each user sees only their own; another's is 404.
"""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from audit.services import record
from coordination.models import CASE_ROLES, User

from .models import Notification

INBOX_SIZE = 100
"""The newest notifications the inbox shows."""


def _roles(actor: User) -> str:
    return ",".join(sorted(r for r in actor.roles if r in CASE_ROLES))


def inbox_logged(actor: User, *, unread_only: bool = False) -> list[Notification]:
    """The actor's newest notifications with their cases, newest first (one query);
    who looked is logged like a queue read (the rows hold no personal data)."""
    notes = Notification.objects.filter(recipient=actor)
    if unread_only:
        notes = notes.filter(read_at=None)
    found = list(notes.select_related("case").order_by("-created_at", "-id")[:INBOX_SIZE])
    record(
        actor=actor,
        role=_roles(actor),
        event_type="read",
        action="notification.list",
        object_type="notification",
        detail={"count": len(found)},
    )
    return found


def unread_count(actor: User) -> int:
    """How many of the actor's notifications are unread (the header's badge)."""
    return Notification.objects.filter(recipient=actor, read_at=None).count()


@transaction.atomic(durable=True)
def mark_read(*, actor: User, notification_id: int) -> Notification:
    """Mark one of the actor's notifications read (again: it stays read); 404 for another's."""
    note = (
        Notification.objects.select_for_update(of=("self",))
        .select_related("case")
        .filter(pk=notification_id, recipient=actor)
        .first()
    )
    if note is None:
        raise Http404
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    record(
        actor=actor,
        role=_roles(actor),
        event_type="write",
        action="notification.read",
        object_type="notification",
        object_id=str(note.pk),
        case_id=note.case_id,
    )
    return note


@transaction.atomic(durable=True)
def mark_all_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; how many were."""
    marked = Notification.objects.filter(recipient=actor, read_at=None).update(read_at=timezone.now())
    record(
        actor=actor,
        role=_roles(actor),
        event_type="write",
        action="notification.read_all",
        object_type="notification",
        detail={"count": marked},
    )
    return marked
