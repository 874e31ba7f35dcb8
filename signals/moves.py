"""Splitting signals off a case: the signals app's side of ``cases.moves``.

The signals app reads its own rows (the subjects, decrypted), lets
``cases.moves.split_off`` open the new household and case and settle the
match keys, and moves the rows itself: ``cases`` never touches this table.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from cases import moves, permissions
from cases.matching import SUBJECT_FIELDS, keys_for
from cases.placement import Arrival, lock_match_keys
from coordination.models import User

from .models import Signal
from .services import _arrival


@transaction.atomic
def split(
    *, actor: User, case_id: uuid.UUID, signal_ids: Iterable[uuid.UUID] = (), reason: str = ""
) -> moves.Split:
    """Move the signals ``signal_ids`` of the case into a new case and household.

    At least one signal stays; the case is locked, so a split and a merge of
    the same case take turns (the second finds it changed or closed: 409).
    """
    if not permissions.cases_for(actor).filter(pk=case_id).exists():
        raise Http404
    # The match keys' locks first, as intake takes them (then the case's row):
    # a split and a signal arriving for this household cannot deadlock.
    lock_match_keys(set().union(*(keys_for(_facts(s).subject).locks for s in _signals_of(case_id))))
    case = permissions.locked_case(actor, case_id)
    role = permissions.move_role(actor, case)
    reason = moves.require_reason(reason)
    wanted = set(signal_ids)
    if not wanted:
        raise ValidationError({"signals": _("Kies de signalen die niet bij deze casus horen.")})
    signals = _signals_of(case.pk)
    leaving = [signal for signal in signals if signal.pk in wanted]
    if len(leaving) != len(wanted):
        raise ValidationError({"signals": _("Niet elk gekozen signaal hoort bij deze casus.")})
    staying = [signal for signal in signals if signal.pk not in wanted]
    if not staying:
        raise ValidationError({"signals": _("Er moet minstens één signaal bij de casus blijven.")})
    done = moves.split_off(
        actor=actor,
        role=role,
        case=case,
        leaving=[_facts(signal) for signal in leaving],
        staying=[_facts(signal) for signal in staying],
        reason=reason,
    )
    Signal.objects.filter(pk__in=[signal.pk for signal in leaving]).update(
        case=done.new_case, status=done.new_case.partner_status
    )
    return done


def _signals_of(case_id: uuid.UUID) -> list[Signal]:
    return list(Signal.objects.filter(case_id=case_id).select_related("signal_type").order_by("received_at"))


def _facts(signal: Signal) -> Arrival:
    """The signal as intake placed it: empty fields as the empty strings intake saw
    (decrypted, they are None), so the keys come out the same."""
    subject = {name: getattr(signal, name) for name in SUBJECT_FIELDS}
    return _arrival(signal, {name: "" if value is None else value for name, value in subject.items()})
