"""Filing signals: the one path every entry point (API, web form, bulk) uses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction

from audit.services import record_many
from cases.matching import SUBJECT_FIELDS, SubjectFacts
from cases.models import PartnerStatus
from cases.services import Arrival, Placement, SignalFacts, place_signals
from coordination.models import Role, User
from schakelpunt import rows
from schakelpunt.crypto import blind_index

from .models import Signal, SignalType

SUBJECT_TEXT_FIELDS = tuple(name for name in SUBJECT_FIELDS if name != "date_of_birth")


@dataclass(frozen=True)
class Filing:
    signal: Signal
    created: bool  # False: an earlier filing with the same key or reference is returned


def _reference_index(organisation_id: int, partner_reference: str) -> str:
    return blind_index("partner-reference", f"{organisation_id}|{partner_reference.strip()}")


def _idempotency_index(organisation_id: int, key: str) -> str:
    return blind_index("idempotency-key", f"{organisation_id}|{key}")


@dataclass(frozen=True)
class Submission:
    """One validated signal (``SignalInputSerializer.validated_data``) and its optional key."""

    data: dict[str, Any]
    idempotency_key: str | None = None


def file_signal(*, actor: User, data: dict[str, Any], idempotency_key: str | None = None) -> Filing:
    """File one validated signal for the actor's organisation: ``file_signals`` with one."""
    [filing] = file_signals(actor=actor, submissions=[Submission(data, idempotency_key)])
    return filing


def file_signals(*, actor: User, submissions: list[Submission]) -> list[Filing]:
    """File validated signals for the actor's organisation; the API, the web form and
    bulk files all come through here.

    The same ``Idempotency-Key`` or the same partner reference gives back the
    first signal instead of a second one — within the batch, against earlier
    filings, and when an identical filing arrives at the same moment. Below
    the signal type's minimum amount a signal is stored and closed as "below
    threshold"; otherwise it joins its household's open case or opens one.
    The signals, their cases and their access-log entries commit together.
    """
    org_id = actor.organisation_id
    if not actor.has_role(Role.PARTNER) or org_id is None:
        raise PermissionDenied("only partner staff of an organisation file signals")
    keyed = [
        (
            sub,
            _reference_index(org_id, sub.data["partner_reference"]),
            _idempotency_index(org_id, sub.idempotency_key) if sub.idempotency_key else None,
        )
        for sub in submissions
    ]
    try:
        with transaction.atomic():
            return _file(actor, org_id, keyed)
    except IntegrityError:
        # An identical filing committed in between: the second pass finds it
        # and answers with it, as for any repeated submission.
        with transaction.atomic():
            return _file(actor, org_id, keyed)


def _file(actor: User, org_id: int, keyed: list[tuple[Submission, str, str | None]]) -> list[Filing]:
    known: dict[str, Signal] = {}
    for earlier in _earlier_filings(org_id, {ref for _, ref, _ in keyed}, {k for _, _, k in keyed if k}):
        known[f"ref:{earlier.partner_reference_index}"] = earlier
        if earlier.idempotency_key_index:
            known[f"key:{earlier.idempotency_key_index}"] = earlier

    filings: list[Filing] = []
    new_signals: list[Signal] = []
    arrivals: list[Arrival] = []
    placed: list[Signal] = []
    for sub, reference_index, idempotency_index in keyed:
        first = (known.get(f"key:{idempotency_index}") if idempotency_index else None) or known.get(
            f"ref:{reference_index}"
        )
        if first is not None:
            filings.append(Filing(signal=first, created=False))
            continue
        signal = _build(actor, org_id, sub.data, reference_index, idempotency_index)
        known[f"ref:{reference_index}"] = signal
        if idempotency_index:
            known[f"key:{idempotency_index}"] = signal
        new_signals.append(signal)
        filings.append(Filing(signal=signal, created=True))
        if _below_threshold(signal):
            signal.status = PartnerStatus.NOT_PICKED_UP
            signal.closed_reason = "below_threshold"
            continue
        placed.append(signal)
        arrivals.append(_arrival(signal, sub.data["subject"]))

    def signal_rows(placements: list[Placement]) -> list[rows.Insert]:
        for signal, placement in zip(placed, placements, strict=True):
            signal.case = placement.case
            signal.status = placement.case.partner_status
        return [rows.Insert(Signal, new_signals)]

    place_signals(arrivals, with_rows=signal_rows)
    record_many([_entry(actor, f.signal, replayed=not f.created) for f in filings])
    return filings


def _earlier_filings(org_id: int, references: set[str], keys: set[str]) -> list[Signal]:
    """The organisation's signals filed with one of these references or keys, newest
    first (the first filing wins: it is written last), with their cases."""
    if not references and not keys:
        return []
    table = connection.ops.quote_name(Signal._meta.db_table)
    match = f"partner_reference_index {rows.any_of(references)}"
    params: list[Any] = [org_id, list(references)]
    if keys:
        match += f" OR idempotency_key_index {rows.any_of(keys)}"
        params.append(list(keys))
    # Usually nothing was filed before: one plain query says so; the signals
    # themselves are loaded only when there are some.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE organisation_id = %s AND ({match})",  # noqa: S608
            rows.flat_params(params),
        )
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    return list(Signal.objects.filter(pk__in=ids).select_related("case").order_by("-received_at"))


def _build(
    actor: User, org_id: int, data: dict[str, Any], reference_index: str, idempotency_index: str | None
) -> Signal:
    subject: dict[str, Any] = data["subject"]
    signal = Signal(
        signal_type=data["signal_type"],
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
    return signal


def _below_threshold(signal: Signal) -> bool:
    signal_type: SignalType = signal.signal_type
    amount: Decimal | None = signal.arrears_amount
    return signal_type.is_arrears and amount is not None and amount < signal_type.minimum_amount


def _arrival(signal: Signal, subject: dict[str, Any]) -> Arrival:
    return Arrival(
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
            creditor=signal.signal_type.creditor,
        ),
        signal_id=str(signal.pk),
    )


def _entry(actor: User, signal: Signal, *, replayed: bool) -> dict[str, Any]:
    case = signal.case
    return {
        "actor": actor,
        "role": Role.PARTNER,
        "event_type": "write",
        "action": "signal.create",
        "object_type": "signal",
        "object_id": str(signal.pk),
        "case_id": case.pk if case else None,
        "subject_id": str(case.household_id) if case else "",
        "detail": {"replayed": True} if replayed else None,
    }
