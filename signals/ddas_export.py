"""The delivery to the national monitor: one DDAS v1.2 document for a period.

``GET /api/v1/ddas/`` (``signals.api.DdasExportApi``) and ``manage.py
export_ddas`` both call ``build_export``. Only the ``monitor`` role may ask
for it: the document holds BSNs and addresses. Every household in it gets
one access-log entry (action ``ddas.export``) in the same transaction, written
before the document is returned; nothing of it is written to disk here.

What a period's delivery holds:

- ``vroegsignaalzaken``: the cases open at some time in the period (opened on
  or before its last day and not closed before its first), except cases
  closed by merging: their signals moved to the case they were merged into,
  which reports them with its own end result.
- ``vroegsignalen``: every signal of those cases, and the signals received in
  the period that intake closed without a case (under the type's minimum
  amount: status "Niet opgepakt: andere reden").
- A signal whose personal data was erased (retention) or that names neither
  a BSN nor a postcode with a house number cannot carry the ``client`` DDAS
  requires, so it is left out of ``vroegsignalen``. An erased case's
  ``vroegsignaalzaak`` stays in, without its ``vroegsignalen`` references (the
  schema allows a case without them): its end result, dates and contact
  attempts are no personal data and still count.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_many
from cases.models import Case, CaseTransition, ContactAttempt, Outcome, State
from coordination.models import Policy, Role, User

from . import ddas
from .models import Signal

ACTION = "ddas.export"
MAX_DAYS = 366 * 2  # one delivery covers at most two years


def _date(value: datetime.datetime | None) -> str | None:
    return timezone.localdate(value).isoformat() if value is not None else None


def _euros(amount: Decimal | None) -> int | None:
    if amount is None:
        return None
    return int(amount.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _period(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    if end < start:
        raise ValidationError({"end": _("De einddatum ligt voor de begindatum.")})
    if (end - start).days > MAX_DAYS:
        raise ValidationError({"end": _("Eén levering beslaat hoogstens twee jaar.")})
    zone = timezone.get_current_timezone()
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return first, after


def client(signal: Signal) -> dict[str, str] | None:
    """The client as DDAS identifies it: the BSN alone when known, else postcode and
    house number (with addition and date of birth when known); None when neither."""
    bsn = (signal.bsn or "").strip()
    if bsn:
        return {"burgerservicenummer": bsn.zfill(9)}
    postcode = (signal.postcode or "").replace(" ", "").upper()
    house_number = (signal.house_number or "").strip()
    if not postcode or not house_number:
        return None
    found = {"postcode": postcode, "huisnummer": house_number}
    if signal.house_number_addition:
        found["huisnummertoevoeging"] = signal.house_number_addition.strip()
    if signal.date_of_birth:
        found["geboortedatum"] = signal.date_of_birth.isoformat()
    return found


def _signal(signal: Signal, status: str) -> dict[str, Any] | None:
    if signal.erased_at is not None:
        return None
    found = client(signal)
    if found is None:
        return None
    item: dict[str, Any] = {
        "ID": signal.reference,
        "crisissignaal": signal.crisis,
        "warmeOverdracht": signal.warm_handover,
        "signaaldatum": signal.signal_date.isoformat(),
        "status": status,
        "signaalpartner": {"type": ddas.signal_partner(signal.signal_type)},
        "client": found,
    }
    amount = _euros(signal.arrears_amount)
    if amount is not None:
        item["bedrag"] = amount
    if signal.arrears_since is not None:
        item["ontstaansdatum"] = signal.arrears_since.isoformat()
    return item


def _picked_up(case: Case, claimed: dict[uuid.UUID, datetime.datetime]) -> str | None:
    """The day the municipality took the case up: its first step out of the intake's
    "new" (claimed, or closed from there) or its first contact attempt, whichever came first."""
    moments = [m for m in (claimed.get(case.pk), case.first_contact_at) if m is not None]
    return _date(min(moments)) if moments else None


def _case(
    case: Case,
    references: list[str],
    contacts: list[ContactAttempt],
    claimed: dict[uuid.UUID, datetime.datetime],
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "matchingsdatum": _date(case.opened_at),
        "startdatumMatchingperiode": _date(case.opened_at),
        "einddatumMatchingperiode": _date(case.last_signal_at),
    }
    result = ddas.end_result(case.outcome) if case.state == State.CLOSED else None
    if result is not None:
        item["resultaat"] = result
    picked = _picked_up(case, claimed)
    if picked is not None:
        item["datumOpgepakt"] = picked
    if references:
        item["vroegsignalen"] = [{"ID": ref} for ref in sorted(set(references))]
    item["contactpogingen"] = [
        {
            "soort": ddas.contact_kind(attempt.channel),
            "bereikt": attempt.reached,
            "datum": _date(attempt.at),
            "dagdeel": ddas.part_of_day(attempt.at),
        }
        for attempt in contacts
    ]
    return item


def _settings(policy: Policy) -> None:
    missing = [
        label
        for label, value in (
            (_("gemeentecode"), policy.ddas_municipality_code),
            (_("code gegevensleverancier"), policy.ddas_supplier_code),
        )
        if not value.strip()
    ]
    if missing:
        raise ValidationError(
            {
                "settings": _(
                    "De instellingen voor de landelijke monitor zijn niet compleet (%s): "
                    "de beheerder vult ze in bij Termijnen en bewaartermijnen."
                )
                % ", ".join(missing)
            }
        )


def _organisation(policy: Policy) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if policy.ddas_municipality_name:
        found["naam"] = policy.ddas_municipality_name
    if policy.ddas_kvk_number:
        found["kvk-nummer"] = policy.ddas_kvk_number
    person = {
        key: value
        for key, value in (
            ("naam", policy.ddas_contact_name),
            ("telefoonnummer", policy.ddas_contact_phone),
            ("email", policy.ddas_contact_email),
            ("functietitel", policy.ddas_contact_function),
        )
        if value
    }
    if person:
        found["contactpersonen"] = [person]
    return found


def _cases_in(first: datetime.datetime, after: datetime.datetime) -> QuerySet[Case]:
    active = Q(opened_at__lt=after) & (Q(closed_at__isnull=True) | Q(closed_at__gte=first))
    return Case.objects.filter(active).exclude(outcome=Outcome.MERGED)


def _grouped(rows: Iterable[Any], key: str) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


@transaction.atomic
def build_export(
    *, actor: User, start: datetime.date, end: datetime.date, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """The DDAS v1.2 document for ``start``..``end`` (local dates, both included).

    Raises ``PermissionDenied`` for anyone but the monitor role and
    ``ValidationError`` for a wrong period or incomplete settings. The
    access-log entries (one per household included) are written before the
    document is returned, in this transaction: no entry, no document.
    """
    if not actor.has_role(Role.MONITOR):
        raise PermissionDenied
    first, after = _period(start, end)
    policy = Policy.current()
    _settings(policy)
    now = now or timezone.now()

    # The related rows are selected by a subquery, not a list of ids: a large city's
    # year holds more cases than one statement may carry parameters.
    included = _cases_in(first, after)
    case_ids = included.values("pk")
    cases = list(included.order_by("opened_at", "id"))
    by_id = {case.pk: case for case in cases}
    in_cases = list(
        Signal.objects.filter(case_id__in=case_ids).select_related("signal_type").order_by("received_at")
    )
    without_case = list(
        Signal.objects.filter(case__isnull=True, received_at__gte=first, received_at__lt=after)
        .select_related("signal_type")
        .order_by("received_at")
    )
    contacts = _grouped(ContactAttempt.objects.filter(case_id__in=case_ids).order_by("at"), "case_id")
    claimed = dict(
        CaseTransition.objects.filter(case_id__in=case_ids, source=State.NEW)
        .values("case_id")
        .annotate(at=Min("at"))
        .values_list("case_id", "at")
    )

    signals_out: list[dict[str, Any]] = []
    references: dict[uuid.UUID, list[str]] = defaultdict(list)
    left_out = 0
    for signal in in_cases:
        case = by_id[signal.case_id]  # type: ignore[index]
        item = _signal(signal, ddas.case_status(case.state, case.outcome, case.reopened_at is not None))
        if item is None:
            left_out += 1
            continue
        signals_out.append(item)
        references[case.pk].append(signal.reference)
    for signal in without_case:
        item = _signal(signal, ddas.signal_status(signal))
        if item is None:
            left_out += 1
            continue
        signals_out.append(item)

    delivery: dict[str, Any] = {
        "teller": 1,
        "gemeentecode": policy.ddas_municipality_code,
        "aanleverendeOrganisatie": _organisation(policy),
        "vroegsignalen": signals_out,
        "vroegsignaalzaken": [
            _case(case, references.get(case.pk, []), contacts.get(case.pk, []), claimed) for case in cases
        ],
    }
    document = {
        "startdatumLevering": start.isoformat(),
        "einddatumLevering": end.isoformat(),
        "aanleverdatumEnTijd": now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "codeGegevensleverancier": policy.ddas_supplier_code,
        "leveringen": [delivery],
    }
    _log(actor, cases, without_case, start, end, left_out)
    return document


def _log(
    actor: User,
    cases: list[Case],
    without_case: list[Signal],
    start: datetime.date,
    end: datetime.date,
    left_out: int,
) -> None:
    """One entry per household whose data the document holds (a signal without a case
    has no household: it is named by its id)."""
    period = {"start": start.isoformat(), "end": end.isoformat()}
    common = {"actor": actor, "role": Role.MONITOR, "event_type": "export", "action": ACTION}
    entries: list[dict[str, Any]] = []
    households: dict[uuid.UUID, list[Case]] = defaultdict(list)
    for case in cases:
        households[case.household_id].append(case)
    for household_id, held in households.items():
        entries.append(
            {
                **common,
                "object_type": "household",
                "object_id": str(household_id),
                "subject_id": str(household_id),
                "case_id": held[0].pk,
                "detail": {**period, "cases": len(held)},
            }
        )
    entries.extend(
        {**common, "object_type": "signal", "object_id": str(signal.pk), "detail": period}
        for signal in without_case
        if signal.erased_at is None
    )
    if not entries:
        # An empty delivery is still an export somebody made.
        entries.append({**common, "object_type": "ddas", "detail": {**period, "households": 0}})
    elif left_out:
        entries[0]["detail"] = {**entries[0]["detail"], "signals_left_out": left_out}
    record_many(entries)
