"""The notification outbox: rows written with the change, mail sent after commit.

Sending follows the outbox pattern (healthchecks' ``Flip`` and
``sendalerts``): claim a row with a conditional update, send outside any
lock or transaction, record a failure on the row and try it again later
with backoff; park it for the administrator after a set number of attempts
(``NOTIFICATION_MAX_ATTEMPTS``). One bad mail never blocks the others.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from coordination.models import Role, User

from .models import Case, Notification

logger = logging.getLogger(__name__)

_SUBJECTS = {
    Notification.Kind.NEW_SIGNAL: _("Nieuw signaal bij casus %s"),
    Notification.Kind.NEW_IN_QUEUE: _("Nieuwe casus %s in de wachtrij van uw team"),
    Notification.Kind.OVERDUE: _("Termijn verstreken voor casus %s"),
    Notification.Kind.REROUTED: _("Casus %s is naar uw team omgeleid"),
}


def team_coordinators(case: Case) -> list[User]:
    if case.team_id is None:
        return []
    return list(User.objects.holding(Role.COORDINATOR).filter(teams=case.team_id))


def case_holder(case: Case) -> list[User]:
    """The person holding the case: its lead, or the triage officer who claimed it."""
    if case.lead is not None:
        return [case.lead]
    if case.claimed_by is not None and case.team_id is None:
        return [case.claimed_by]
    return []


def case_owners(case: Case) -> list[User]:
    """Who answers for the case now: its holder, else (unclaimed intake) the triage officers."""
    holder = case_holder(case)
    if holder:
        return holder
    if case.team_id is None:
        return list(User.objects.holding(Role.TRIAGE))
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
    """Send what is due, each row claimed before its send; returns how many went out.

    One failing mail never stops the others: its failure is recorded on the
    row, which waits out its backoff while the drain goes on with the next.
    """
    sent = 0
    while (note_id := _claim_next()) is not None:
        sent += _deliver(note_id)
    return sent


def _claim_next() -> int | None:
    """Claim the next due row with a conditional update; None when nothing is due.

    The claim pushes ``next_attempt_at`` to the end of the claim timeout: a
    second drain skips the row, and if this one dies before recording the
    outcome the row is due again after the timeout. Losing the race for a
    row (the update matches nothing) just means trying the next one.
    """
    while True:
        now = timezone.now()
        candidate = (
            Notification.objects.filter(sent_at=None, parked_at=None, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "created_at")
            .values_list("pk", "next_attempt_at")
            .first()
        )
        if candidate is None:
            return None
        pk, due = candidate
        claimed = Notification.objects.filter(
            pk=pk, sent_at=None, parked_at=None, next_attempt_at=due
        ).update(
            next_attempt_at=now + datetime.timedelta(seconds=settings.NOTIFICATION_CLAIM_TIMEOUT_SECONDS),
            last_attempt_at=now,
            attempts=F("attempts") + 1,
        )
        if claimed:
            return pk


def _deliver(note_id: int) -> int:
    """Send one claimed row outside any transaction and record the outcome."""
    note = Notification.objects.select_related("case", "recipient").get(pk=note_id)
    try:
        if note.recipient.email:
            _send(note)
    except Exception as exc:  # any failure of one mail is recorded, never fatal
        _failed(note, exc)
        return 0
    Notification.objects.filter(pk=note.pk).update(sent_at=timezone.now(), last_error="")
    return 1


def _failed(note: Notification, exc: Exception) -> None:
    now = timezone.now()
    fields: dict[str, Any] = {"last_error": _error_text(exc, note.recipient.email)}
    if note.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        fields["parked_at"] = now
        logger.error(
            "notification %s parked after %s attempts: %s", note.pk, note.attempts, type(exc).__name__
        )
    else:
        fields["next_attempt_at"] = now + retry_delay(note.attempts)
        logger.warning("notification %s failed (attempt %s): %s", note.pk, note.attempts, type(exc).__name__)
    Notification.objects.filter(pk=note.pk).update(**fields)


def retry_delay(attempts: int) -> datetime.timedelta:
    """Backoff after the n-th failed attempt: the base, doubled each time, capped."""
    seconds = settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.NOTIFICATION_RETRY_MAX_SECONDS))


def _error_text(exc: Exception, address: str) -> str:
    """The error for the administrator: its kind and message, without the address it was for."""
    text = f"{type(exc).__name__}: {exc}"
    if address:
        text = text.replace(address, "<ontvanger>")
    return text[: Notification._meta.get_field("last_error").max_length]


@transaction.atomic(durable=True)
def release_parked(*, actor: User, notification_ids: Iterable[int]) -> int:
    """The administrator gives parked notifications one more try, at once.

    The attempt count stays: a release that fails again parks the row again.
    """
    now = timezone.now()
    ids = list(
        Notification.objects.filter(pk__in=list(notification_ids), sent_at=None)
        .exclude(parked_at=None)
        .values_list("pk", flat=True)
    )
    released = Notification.objects.filter(pk__in=ids).update(parked_at=None, next_attempt_at=now)
    for pk in ids:
        record(
            actor=actor,
            role=Role.ADMIN,
            event_type="write",
            action="notification.release",
            object_type="notification",
            object_id=str(pk),
        )
    if released:
        transaction.on_commit(_drain_soon, robust=True)
    return released


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
