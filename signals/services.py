"""Filing signals: the one path every entry point (API, web form, bulk) uses."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_many
from cases.matching import SUBJECT_FIELDS, SubjectFacts
from cases.models import PartnerStatus, Priority
from cases.placement import Arrival, SignalFacts, place_subjects
from coordination.models import Role, User
from helpers import rows
from helpers.crypto import blind_index
from helpers.errors import Conflict

from .allowed import allowed_codes
from .models import Signal, SignalType, ThreatUrgency

SUBJECT_TEXT_FIELDS = tuple(name for name in SUBJECT_FIELDS if name != "date_of_birth")


class Outcome(StrEnum):
    """What became of one submission."""

    CREATED = "created"  # a new signal
    REPLAYED = "replayed"  # identical to an earlier filing: that one is answered, nothing new
    CONFLICT = "conflict"  # the earlier filing's reference or key with other content: refused


@dataclass(frozen=True)
class Filing:
    """One submission's outcome. ``signal`` is the new signal; for ``REPLAYED``
    and ``CONFLICT`` the earlier one with the same key or reference."""

    signal: Signal
    outcome: Outcome
    conflict_field: str | None = None  # "partner_reference" or "idempotency_key" for CONFLICT

    @property
    def created(self) -> bool:
        return self.outcome is Outcome.CREATED


def conflict_message(filing: Filing) -> str:
    """The plain sentence for a refused filing, naming the earlier signal (the API,
    the web form and bulk files all show this one)."""
    if filing.conflict_field == "idempotency_key":
        text = _(
            "Deze Idempotency-Key is al gebruikt voor signaal %(reference)s, met andere gegevens. "
            "Er is niets opgeslagen; gebruik een nieuwe sleutel voor een nieuw signaal."
        )
    else:
        text = _(
            "Dit kenmerk is al gebruikt voor signaal %(reference)s, met andere gegevens. "
            "Er is niets opgeslagen; geef elk signaal een eigen kenmerk."
        )
    return text % {"reference": filing.signal.reference}


class FilingConflict(Conflict):
    """A single filing refused: its reference or key was used before for other content.

    ``field`` names the input in conflict (the API answers 409 with the message
    on it); ``earlier_reference`` is the earlier signal's own reference ("S-…").
    """

    def __init__(self, filing: Filing) -> None:
        self.filing = filing
        self.field = filing.conflict_field or "partner_reference"
        self.earlier_reference: str = filing.signal.reference
        self.message: str = conflict_message(filing)
        super().__init__(self.message)


def _reference_index(organisation_id: int, partner_reference: str) -> str:
    return blind_index("partner-reference", f"{organisation_id}|{partner_reference.strip()}")


def _idempotency_index(organisation_id: int, key: str) -> str:
    return blind_index("idempotency-key", f"{organisation_id}|{key}")


def _canonical(value: Any) -> Any:
    if isinstance(value, SignalType):
        return value.code
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    return value


def _content_index(organisation_id: int, data: dict[str, Any]) -> str:
    """A keyed fingerprint of what a submission says (never the plaintext): tells
    a repeat of an earlier filing from another filing that reuses its reference
    or key. Absent, empty and default values count as the same. Keyed per
    organisation, like the reference, so equal filings of two organisations
    cannot be linked by it."""
    subject: dict[str, Any] = data.get("subject") or {}
    canonical = {
        "signal_type": _canonical(data["signal_type"]),
        "partner_reference": _canonical(data["partner_reference"]),
        "subject": {name: _canonical(subject.get(name)) or "" for name in SUBJECT_FIELDS},
        "arrears_amount": _canonical(data.get("arrears_amount")),
        "arrears_since": _canonical(data.get("arrears_since")),
        "threat": data.get("threat") or "none",
        "children_in_household": data.get("children_in_household") or "unknown",
        "note": _canonical(data.get("note")) or "",
        "consent_given": bool(data.get("consent_given")),
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return blind_index("signal-content", f"{organisation_id}|{text}")


@dataclass(frozen=True)
class Submission:
    """One validated signal (``SignalInputSerializer.validated_data``) and its optional key."""

    data: dict[str, Any]
    idempotency_key: str | None = None


@dataclass(frozen=True)
class _Keyed:
    """A submission with its blind indexes: reference, key and content."""

    submission: Submission
    reference_index: str
    idempotency_index: str | None
    content_index: str


def file_signal(*, actor: User, data: dict[str, Any], idempotency_key: str | None = None) -> Filing:
    """File one validated signal for the actor's organisation: ``file_signals`` with one.

    Raises ``FilingConflict`` when its reference or key was used before for
    other content (nothing is filed; the refusal is in the access log).
    """
    [filing] = file_signals(actor=actor, submissions=[Submission(data, idempotency_key)])
    if filing.outcome is Outcome.CONFLICT:
        raise FilingConflict(filing)
    return filing


def file_signals(*, actor: User, submissions: list[Submission]) -> list[Filing]:
    """File validated signals for the actor's organisation; the API, the web form and
    bulk files all come through here.

    The same ``Idempotency-Key`` or the same partner reference with the same
    content gives back the first signal instead of a second one (``REPLAYED``)
    — within the batch, against earlier filings, and when an identical filing
    arrives at the same moment. With other content it is a ``CONFLICT``: that
    submission files nothing and is logged as denied; the others go on. Below
    the signal type's minimum amount a signal is stored and closed as "below
    threshold"; otherwise it joins its household's open case or opens one.
    The signals, their cases and their access-log entries commit together.
    """
    org_id = actor.organisation_id
    if not actor.has_role(Role.PARTNER) or org_id is None or actor.organisation is None:
        raise PermissionDenied("only partner staff of an organisation file signals")
    # Every entry point refuses such a type with an error naming the allowed ones
    # (SignalTypeField); this is the last line, for a caller that did not ask.
    allowed = allowed_codes(actor.organisation)
    if any(sub.data["signal_type"].code not in allowed for sub in submissions):
        raise PermissionDenied("the organisation may not file this signal type")
    keyed = [
        _Keyed(
            sub,
            _reference_index(org_id, sub.data["partner_reference"]),
            _idempotency_index(org_id, sub.idempotency_key) if sub.idempotency_key else None,
            _content_index(org_id, sub.data),
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


def _same_content(earlier: Signal, content_index: str) -> bool:
    # Signals filed before fingerprints were stored have none: they count as
    # identical, so a repeat of such a filing is answered as before.
    return not earlier.content_index or earlier.content_index == content_index


def _earlier_outcome(known: dict[str, Signal], item: _Keyed) -> Filing | None:
    """The earlier filing with this key or reference, as a replay or a conflict; the
    key is looked at first (it names one submission exactly)."""
    if item.idempotency_index and (earlier := known.get(f"key:{item.idempotency_index}")) is not None:
        if _same_content(earlier, item.content_index):
            return Filing(signal=earlier, outcome=Outcome.REPLAYED)
        return Filing(signal=earlier, outcome=Outcome.CONFLICT, conflict_field="idempotency_key")
    if (earlier := known.get(f"ref:{item.reference_index}")) is not None:
        if _same_content(earlier, item.content_index):
            return Filing(signal=earlier, outcome=Outcome.REPLAYED)
        return Filing(signal=earlier, outcome=Outcome.CONFLICT, conflict_field="partner_reference")
    return None


def _file(actor: User, org_id: int, keyed: list[_Keyed]) -> list[Filing]:
    known: dict[str, Signal] = {}
    references = {k.reference_index for k in keyed}
    keys = {k.idempotency_index for k in keyed if k.idempotency_index}
    for earlier in _earlier_filings(org_id, references, keys):
        known[f"ref:{earlier.partner_reference_index}"] = earlier
        if earlier.idempotency_key_index:
            known[f"key:{earlier.idempotency_key_index}"] = earlier

    filings: list[Filing] = []
    new_signals: list[Signal] = []
    arrivals: list[Arrival] = []
    placed: list[Signal] = []
    for item in keyed:
        sub = item.submission
        earlier_filing = _earlier_outcome(known, item)
        if earlier_filing is not None:
            filings.append(earlier_filing)
            continue
        signal = _build(actor, org_id, sub.data, item)
        known[f"ref:{item.reference_index}"] = signal
        if item.idempotency_index:
            known[f"key:{item.idempotency_index}"] = signal
        new_signals.append(signal)
        filings.append(Filing(signal=signal, outcome=Outcome.CREATED))
        if _below_threshold(signal):
            signal.status = PartnerStatus.NOT_PICKED_UP
            signal.closed_reason = "below_threshold"
            continue
        placed.append(signal)
        arrivals.append(_arrival(signal, sub.data["subject"]))

    for signal, placement in zip(placed, place_subjects(arrivals), strict=True):
        # The status stays the default ``received`` whatever the case is: the
        # answer to a filing must not tell a partner that the household is
        # already known. It follows the case from the case's next event on
        # (``signals.receivers.follow_case``).
        signal.case = placement.case
    rows.insert(Signal, new_signals)
    record_many([_entry(actor, f) for f in filings])
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


def _build(actor: User, org_id: int, data: dict[str, Any], keys: _Keyed) -> Signal:
    subject: dict[str, Any] = data["subject"]
    signal = Signal(
        signal_type=data["signal_type"],
        organisation_id=org_id,
        filed_by=actor,
        partner_reference=data["partner_reference"].strip(),
        partner_reference_index=keys.reference_index,
        idempotency_key_index=keys.idempotency_index,
        content_index=keys.content_index,
        date_of_birth=subject.get("date_of_birth"),
        arrears_amount=data.get("arrears_amount"),
        arrears_since=data.get("arrears_since"),
        threat=data.get("threat", "none"),
        children_in_household=data.get("children_in_household", "unknown"),
        note=data.get("note") or None,
        consent_given=bool(data.get("consent_given")),
        crisis=bool(data.get("crisis")),
        warm_handover=bool(data.get("warm_handover")),
        signal_date=data.get("signal_date") or timezone.localdate(),
        postcode_area=(subject.get("postcode") or "")[:4],
    )
    for name in SUBJECT_TEXT_FIELDS:
        setattr(signal, name, subject.get(name) or None)
    return signal


def _below_threshold(signal: Signal) -> bool:
    signal_type: SignalType = signal.signal_type
    amount: Decimal | None = signal.arrears_amount
    return signal_type.is_arrears and amount is not None and amount < signal_type.minimum_amount


def signal_priority(signal: Signal) -> int:
    """The least priority the signal gives its case: the higher of what the
    administrator set for its type and for its threat (``ThreatUrgency``)."""
    signal_type: SignalType = signal.signal_type
    by_threat = ThreatUrgency.priority_by_threat().get(signal.threat, Priority.NORMAL)
    return max(signal_type.priority, by_threat)


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
            signal_type=signal.signal_type.code,
            arrears_amount=signal.arrears_amount,
            priority=signal_priority(signal),
            crisis=signal.crisis,
            received_at=signal.received_at,
        ),
        signal_id=str(signal.pk),
    )


def _entry(actor: User, filing: Filing) -> dict[str, Any]:
    signal = filing.signal
    if filing.outcome is Outcome.CONFLICT:
        # Refused: the earlier signal is named by its id only; its case and
        # household are another person's, so they are not linked to this attempt.
        return {
            "actor": actor,
            "role": Role.PARTNER,
            "event_type": "write",
            "action": "signal.create",
            "outcome": "denied",
            "object_type": "signal",
            "object_id": str(signal.pk),
            "detail": {"conflict": filing.conflict_field},
        }
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
        "detail": {"replayed": True} if filing.outcome is Outcome.REPLAYED else None,
    }
