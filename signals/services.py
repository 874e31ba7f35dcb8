"""Filing signals: the one path every entry point (API, web form, bulk) uses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q

from audit.services import record
from cases.matching import SubjectFacts
from cases.models import PartnerStatus
from cases.services import SignalFacts, place_signal
from coordination.models import Role, User
from schakelpunt.crypto import blind_index

from .models import Signal, SignalType

SUBJECT_TEXT_FIELDS = (
    "bsn",
    "initials",
    "given_names",
    "surname_prefix",
    "surname",
    "postcode",
    "house_number",
    "house_number_addition",
    "street",
    "city",
    "phone",
    "email",
)


@dataclass(frozen=True)
class Filing:
    signal: Signal
    created: bool  # False: an earlier filing with the same key or reference is returned


def _reference_index(organisation_id: int, partner_reference: str) -> str:
    return blind_index("partner-reference", f"{organisation_id}|{partner_reference.strip()}")


def _idempotency_index(organisation_id: int, key: str) -> str:
    return blind_index("idempotency-key", f"{organisation_id}|{key}")


def _earlier_filing(
    organisation_id: int, reference_index: str, idempotency_index: str | None
) -> Signal | None:
    match = Q(partner_reference_index=reference_index)
    if idempotency_index:
        match |= Q(idempotency_key_index=idempotency_index)
    return Signal.objects.filter(match, organisation_id=organisation_id).order_by("received_at").first()


def file_signal(*, actor: User, data: dict[str, Any], idempotency_key: str | None = None) -> Filing:
    """File one validated signal for the actor's organisation.

    ``data`` is the validated input (``SignalInputSerializer``). The same
    ``Idempotency-Key`` or the same partner reference gives back the first
    signal instead of a second one, also when both arrive at the same moment.
    Below the signal type's minimum amount the signal is stored and closed as
    "below threshold"; otherwise it joins its household's open case or opens
    one. The signal, its case and the access-log entry commit together.
    """
    org_id = actor.organisation_id
    if not actor.has_role(Role.PARTNER) or org_id is None:
        raise PermissionDenied("only partner staff of an organisation file signals")
    reference_index = _reference_index(org_id, data["partner_reference"])
    idempotency_index = _idempotency_index(org_id, idempotency_key) if idempotency_key else None

    earlier = _earlier_filing(org_id, reference_index, idempotency_index)
    if earlier is not None:
        return _replayed(actor, earlier)
    try:
        with transaction.atomic():
            signal = _create(actor, org_id, data, reference_index, idempotency_index)
    except IntegrityError:
        # Lost the race against an identical filing: answer with that one.
        earlier = _earlier_filing(org_id, reference_index, idempotency_index)
        if earlier is None:
            raise
        return _replayed(actor, earlier)
    return Filing(signal=signal, created=True)


def _replayed(actor: User, signal: Signal) -> Filing:
    _log_filing(actor, signal, detail={"replayed": True})
    return Filing(signal=signal, created=False)


def _create(
    actor: User, org_id: int, data: dict[str, Any], reference_index: str, idempotency_index: str | None
) -> Signal:
    signal_type: SignalType = data["signal_type"]
    subject: dict[str, Any] = data["subject"]
    signal = Signal(
        signal_type=signal_type,
        organisation_id=org_id,
        filed_by=actor,
        partner_reference=data["partner_reference"].strip(),
        partner_reference_index=reference_index,
        idempotency_key_index=idempotency_index,
        date_of_birth=subject.get("date_of_birth"),
        arrears_amount=data.get("arrears_amount"),
        arrears_since=data.get("arrears_since"),
        threat=data.get("threat", "none"),
        children_in_household=data.get("children_in_household", "unknown"),
        note=data.get("note") or None,
        consent_given=bool(data.get("consent_given")),
        postcode_area=(subject.get("postcode") or "")[:4],
    )
    for name in SUBJECT_TEXT_FIELDS:
        setattr(signal, name, subject.get(name) or None)

    amount: Decimal | None = data.get("arrears_amount")
    if signal_type.is_arrears and amount is not None and amount < signal_type.minimum_amount:
        signal.status = PartnerStatus.NOT_PICKED_UP
        signal.closed_reason = "below_threshold"
        signal.save()
        _log_filing(actor, signal)
        return signal

    placement = place_signal(
        subject=SubjectFacts(
            bsn=subject.get("bsn", ""),
            surname=subject.get("surname", ""),
            surname_prefix=subject.get("surname_prefix", ""),
            date_of_birth=subject.get("date_of_birth"),
            postcode=subject.get("postcode", ""),
            house_number=subject.get("house_number", ""),
            house_number_addition=subject.get("house_number_addition", ""),
        ),
        facts=SignalFacts(
            threat=signal.threat,
            children_in_household=signal.children_in_household,
            creditor=signal_type.creditor,
        ),
        signal_id=str(signal.pk),
    )
    signal.case = placement.case
    signal.status = placement.case.partner_status
    signal.save()
    _log_filing(actor, signal)
    return signal


def _log_filing(actor: User, signal: Signal, detail: dict[str, Any] | None = None) -> None:
    case = signal.case
    record(
        actor=actor,
        role=Role.PARTNER,
        event_type="write",
        action="signal.create",
        object_type="signal",
        object_id=str(signal.pk),
        case_id=case.pk if case else None,
        subject_id=str(case.household_id) if case else "",
        detail=detail,
    )
