"""The notification outbox: rows written with the change, mail sent after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.models import Role, User

from .models import Case, Notification

logger = logging.getLogger(__name__)

_SUBJECTS = {
    Notification.Kind.NEW_SIGNAL: _("Nieuw signaal bij casus %s"),
    Notification.Kind.NEW_IN_QUEUE: _("Nieuwe casus %s in de wachtrij van uw team"),
    Notification.Kind.OVERDUE: _("Termijn verstreken voor casus %s"),
}


def team_coordinators(case: Case) -> list[User]:
    if case.team_id is None:
        return []
    return [
        u for u in User.objects.filter(teams=case.team_id, is_active=True) if u.has_role(Role.COORDINATOR)
    ]


def case_holder(case: Case) -> list[User]:
    """The person holding the case: its lead, or the triage officer who claimed it."""
    if case.lead_id is not None:
        return [case.lead]  # type: ignore[list-item]
    if case.claimed_by_id is not None and case.team_id is None:
        return [case.claimed_by]  # type: ignore[list-item]
    return []


def case_owners(case: Case) -> list[User]:
    """Who answers for the case now: its holder, else (unclaimed intake) the triage officers."""
    holder = case_holder(case)
    if holder:
        return holder
    if case.team_id is None:
        return [u for u in User.objects.filter(is_active=True) if u.has_role(Role.TRIAGE)]
    return []


def enqueue(case: Case, kind: str, recipients: Iterable[User], dedupe_key: str) -> int:
    """Write outbox rows (once per recipient and key) and drain after commit."""
    rows = [
        Notification(case=case, recipient=user, kind=kind, dedupe_key=dedupe_key[:64])
        for user in {u.pk: u for u in recipients}.values()
    ]
    if not rows:
        return 0
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    # robust: a broker outage must not turn a committed change into an error;
    # the rows wait for the next drain.
    transaction.on_commit(_drain_soon, robust=True)
    return len(rows)


def _drain_soon() -> None:
    from .tasks import deliver_notifications

    deliver_notifications.delay()


def deliver_pending() -> int:
    """Send what is pending, each row once.

    One row per transaction, claimed under a skip-locked row lock: two drains
    running at once never send the same row, and a mail server failure stops
    the drain without undoing what was already sent.
    """
    sent = 0
    while True:
        with transaction.atomic():
            note = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("case", "recipient")
                .filter(sent_at__isnull=True)
                .order_by("created_at")
                .first()
            )
            if note is None:
                return sent
            if note.recipient.email:
                _send(note)
            note.attempts += 1
            note.sent_at = timezone.now()
            note.save(update_fields=["attempts", "sent_at"])
            sent += 1


def _send(note: Notification) -> None:
    reference = note.case.reference
    send_mail(
        subject=_SUBJECTS[Notification.Kind(note.kind)] % reference,
        message=_("Casus %(ref)s: %(what)s.\n\n%(url)s")
        % {
            "ref": reference,
            "what": Notification.Kind(note.kind).label,
            "url": f"{settings.SITE_URL}/cases/{note.case_id}/",
        },
        from_email=None,
        recipient_list=[note.recipient.email],
    )
