"""The signals follow their cases (``cases.events``); connected in ``SignalsConfig.ready``."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from cases.models import Case, PartnerStatus

from . import webhooks
from .models import Signal


def follow_case(sender: type[Case], *, case: Case, **kwargs: Any) -> None:
    """Closed-loop feedback: a case's signals show its partner status (no case content).

    Only the fact the covenant allows goes with it: the day help was accepted
    and the day until which the partner suspends collection. Each signal whose
    status changes gets an event for its organisation's webhooks, written in
    this same transaction (the outbox).
    """
    _show_status(case, Signal.objects.filter(case=case))


def follow_merge(sender: type[Case], *, case: Case, other: Case, **kwargs: Any) -> None:
    """A merged case's signals go with it: the partners see them under the case they joined."""
    moving = list(Signal.objects.filter(case=other).values_list("pk", flat=True))
    Signal.objects.filter(pk__in=moving).update(case=case)
    _show_status(case, Signal.objects.filter(pk__in=moving))


def _show_status(case: Case, signals: QuerySet[Signal]) -> None:
    status = case.partner_status
    changing = list(signals.exclude(status=status).values_list("pk", flat=True))
    if not changing:
        return
    now = timezone.now()
    fields: dict[str, Any] = {"status": status, "status_changed_at": now}
    if status == PartnerStatus.HELP_ACCEPTED and case.help_accepted_on is not None:
        fields["help_accepted_on"] = case.help_accepted_on
        fields["suspend_collection_until"] = case.help_accepted_on + datetime.timedelta(
            days=settings.COLLECTION_SUSPENSION_DAYS
        )
    Signal.objects.filter(pk__in=changing).update(**fields)
    webhooks.enqueue_status_changes(signal_ids=changing, status=status, at=now)
