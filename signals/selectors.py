"""Reads of signals, scoped to the actor in SQL."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from audit.services import record
from coordination.models import Role, User

from .models import Signal


def signals_for_partner(actor: User) -> QuerySet[Signal]:
    """The actor's own organisation's signals; nothing for anyone else."""
    if not actor.has_role(Role.PARTNER) or actor.organisation_id is None:
        return Signal.objects.none()
    return (
        Signal.objects.filter(organisation_id=actor.organisation_id)
        .select_related("signal_type")
        .only(
            "id",
            "reference",
            "partner_reference",
            "signal_type__code",
            "status",
            "received_at",
            "status_changed_at",
            "help_accepted_on",
            "suspend_collection_until",
        )
        .order_by("-received_at", "id")
    )


def _partner_signal_unlogged(actor: User, signal_id: uuid.UUID) -> Signal:
    """One of the actor's organisation's signals, or 404 (also when it is another's)."""
    try:
        return signals_for_partner(actor).get(pk=signal_id)
    except Signal.DoesNotExist:
        raise Http404 from None


def read_partner_signal_logged(*, actor: User, signal_id: uuid.UUID) -> Signal:
    """``_partner_signal_unlogged`` plus its access-log entry, for every entry point."""
    signal = _partner_signal_unlogged(actor, signal_id)
    record(
        actor=actor,
        role=Role.PARTNER,
        event_type="read",
        action="signal.read",
        object_type="signal",
        object_id=str(signal.pk),
    )
    return signal


def log_partner_list(*, actor: User, count: int) -> None:
    record(
        actor=actor,
        role=Role.PARTNER,
        event_type="read",
        action="signal.list",
        object_type="signal",
        detail={"count": count},
    )
