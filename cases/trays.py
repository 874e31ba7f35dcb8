"""Work trays: the municipality's weighing framework (*afwegingskader*).

The administrator keeps trays (``WorkTray``) in order, each with criteria
over facts the case keeps without plaintext and a recommended first action.
A case is in the first active tray whose criteria it all meets; a tray
without criteria takes every case. Intake places a case when a signal joins
it or opens it (``cases.placement``), in Python against the cached trays (no
query per signal); when the trays change, ``retray_open_cases`` places every
open case again in one UPDATE, with the same criteria written as SQL.

The tray is stored on the case (``Case.tray``), so a tray's queue is an index
range (``case_tray_queue_idx``) and its count a capped count of it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from audit.services import record
from coordination.models import CASE_ROLES, Role, User
from helpers.cache import ProcessCache

from .models import OPEN_STATES, AgeBand, Case, WorkTray
from .permissions import cases_for
from .selectors import queue_parts


@dataclass(frozen=True)
class Tray:
    """An active tray's criteria, as intake weighs them (one query per few seconds per process)."""

    id: int
    name: str
    recommended_action: str
    signal_types: frozenset[str]
    threats: frozenset[str]
    age_bands: frozenset[str]
    crisis: bool | None
    children: bool | None
    min_creditor_kinds: int | None
    arrears_above: Decimal | None
    repeat: bool | None
    multiple: bool | None

    @classmethod
    def of(cls, tray: WorkTray) -> Tray:
        return cls(
            id=tray.pk,
            name=tray.name,
            recommended_action=tray.recommended_action,
            signal_types=frozenset(_codes(tray.signal_types)),
            threats=frozenset(_codes(tray.threats)),
            age_bands=frozenset(_codes(tray.age_bands)),
            crisis=tray.crisis,
            children=tray.children,
            min_creditor_kinds=tray.min_creditor_kinds,
            arrears_above=tray.arrears_above,
            repeat=tray.repeat,
            multiple=tray.multiple,
        )

    def takes(self, case: Case) -> bool:
        """Whether the case meets every criterion that is set."""
        if self.signal_types and not self.signal_types & _listed(case.signal_types):
            return False
        if self.threats and not self.threats & _listed(case.threats):
            return False
        if self.age_bands and case.age_band not in self.age_bands:
            return False
        for criterion, fact in (
            (self.crisis, case.crisis),
            (self.children, case.children),
            (self.repeat, case.repeat),
            (self.multiple, case.multiple),
        ):
            if criterion is not None and criterion != fact:
                return False
        if self.min_creditor_kinds is not None and case.creditor_kind_count < self.min_creditor_kinds:
            return False
        return self.arrears_above is None or Decimal(case.total_arrears) > self.arrears_above

    def condition(self) -> Q:
        """``takes`` as SQL, for placing many cases at once."""
        q = Q()
        if self.signal_types:
            q &= _any_listed("signal_types", self.signal_types)
        if self.threats:
            q &= _any_listed("threats", self.threats)
        if self.age_bands:
            q &= Q(age_band__in=sorted(self.age_bands))
        for name in ("crisis", "children", "repeat", "multiple"):
            value = getattr(self, name)
            if value is not None:
                q &= Q(**{name: value})
        if self.min_creditor_kinds is not None:
            q &= Q(creditor_kind_count__gte=self.min_creditor_kinds)
        if self.arrears_above is not None:
            q &= Q(total_arrears__gt=self.arrears_above)
        # No criteria: every case (an empty Q would vanish when OR-ed with others).
        return q if q else Q(pk__isnull=False)


def _codes(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(code) for code in value if str(code)]


def listed(codes: set[str] | frozenset[str]) -> str:
    """Codes as a case keeps them: ``,a,b,`` (a criterion looks for ``,a,``), or empty."""
    return f",{','.join(sorted(codes))}," if codes else ""


def _listed(text: str) -> set[str]:
    return set(filter(None, text.split(",")))


def _any_listed(field: str, codes: frozenset[str]) -> Q:
    q = Q()
    for code in sorted(codes):
        q |= Q(**{f"{field}__contains": f",{code},"})
    return q


def _load() -> list[Tray]:
    return [Tray.of(tray) for tray in WorkTray.objects.filter(active=True).order_by("position", "id")]


_trays = ProcessCache(_load)
models.signals.post_save.connect(_trays.clear, sender=WorkTray, dispatch_uid="work-trays-saved")
models.signals.post_delete.connect(_trays.clear, sender=WorkTray, dispatch_uid="work-trays-deleted")


def active_trays() -> list[Tray]:
    """The active trays in order, read at most every few seconds per process."""
    return _trays.get()


def tray_of(case: Case, trays: list[Tray] | None = None) -> Tray | None:
    """The first tray whose criteria the case meets (None: no tray takes it)."""
    for tray in active_trays() if trays is None else trays:
        if tray.takes(case):
            return tray
    return None


def place_in_tray(case: Case, trays: list[Tray] | None = None) -> None:
    """Set the case's tray from its facts; the caller saves it."""
    tray = tray_of(case, trays)
    case.tray_id = tray.id if tray is not None else None


def age_band(date_of_birth: datetime.date | None, on: datetime.date) -> str:
    """The age band on a day (the date of birth itself is not kept on the case)."""
    if date_of_birth is None:
        return ""
    age = on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    if age < 27:
        return AgeBand.UNDER_27
    if age < 67:
        return AgeBand.FROM_27_TO_66
    return AgeBand.FROM_67


def retray_open_cases() -> int:
    """Place every open case in its tray again (after the trays changed): one UPDATE per tray.

    Closed cases keep the tray they were in when they closed. Returns the
    number of cases whose tray changed.
    """
    _trays.clear()
    trays = _load()
    with transaction.atomic():
        changed = 0
        # Per target tray: only rows whose tray differs are written, so an
        # unchanged framework writes nothing.
        open_cases = Case.objects.filter(state__in=OPEN_STATES)
        for index, tray in enumerate(trays):
            earlier = Q()
            for before in trays[:index]:
                earlier |= before.condition()
            chosen = open_cases.filter(tray.condition())
            if index:
                chosen = chosen.exclude(earlier)
            changed += chosen.exclude(tray_id=tray.id).update(tray_id=tray.id)
        if trays:
            none_left = open_cases.exclude(_any_of(trays)).exclude(tray__isnull=True)
        else:
            none_left = open_cases.exclude(tray__isnull=True)
        changed += none_left.update(tray_id=None)
    return changed


def _any_of(trays: list[Tray]) -> Q:
    q = Q(pk__in=[])
    for tray in trays:
        q |= tray.condition()
    return q


# ---------------------------------------------------------------- reads


def may_see_trays(actor: User) -> bool:
    return actor.has_role(Role.TRIAGE, Role.COORDINATOR, Role.PROFESSIONAL)


def tray_in_scope(actor: User, tray_id: int) -> WorkTray:
    """An active tray, for an actor who works cases (404 otherwise)."""
    if not may_see_trays(actor):
        raise Http404
    tray = WorkTray.objects.filter(pk=tray_id, active=True).first()
    if tray is None:
        raise Http404
    return tray


def cases_in_tray(actor: User, tray: WorkTray | int) -> QuerySet[Case]:
    """The open cases of a tray in the actor's scope, in queue order (overdue first,
    then priority, then the oldest). Reads no personal data: whoever shows or
    prints a case's content logs that read itself."""
    tray_id = tray.pk if isinstance(tray, WorkTray) else tray
    return (
        cases_for(actor)
        .filter(tray_id=tray_id, state__in=OPEN_STATES)
        .order_by("queue_rank", "opened_at", "id")
    )


@dataclass(frozen=True)
class TrayCount:
    tray: Tray
    count: int
    overdue: int
    capped: bool
    """More than ``TRAY_COUNT_CAP`` cases: ``count`` says the cap."""


TRAY_COUNT_CAP = 1000
"""Each tray counts its cases (and its overdue ones) up to here, as the queue pages do."""


def tray_counts(actor: User, *, queue: str | None = None) -> list[TrayCount]:
    """Every active tray with its open cases in the actor's queue (or one of its
    ``selectors.QUEUES``) and how many of them are overdue, each counted no
    further than ``TRAY_COUNT_CAP`` + 1. One query: per tray and queue part an
    index range (``case_tray_queue_idx`` for the intake) that stops at the cap;
    overdue cases are the queue ranks below 100."""
    trays = active_trays()
    if not trays or not may_see_trays(actor):
        return []
    parts = [part.order_by() for part in queue_parts(actor, queue=queue)]
    pieces: list[str] = []
    params: list[Any] = []
    for tray in trays:
        for late in (False, True):
            for part in parts:
                head = part.filter(tray_id=tray.id)
                if late:
                    head = head.filter(queue_rank__lt=100)
                sql, head_params = head.values_list("pk")[: TRAY_COUNT_CAP + 1].query.sql_with_params()
                # The SQL is Django's own for the head; every value is a parameter.
                pieces.append(f"SELECT %s AS tray, %s AS late, COUNT(*) AS n FROM ({sql}) AS head")  # noqa: S608
                params += [tray.id, late, *head_params]
    counted: dict[tuple[int, bool], int] = {}
    if pieces:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(pieces), params)
            for tray_id, late, n in cursor.fetchall():
                key = (int(tray_id), bool(late))
                counted[key] = counted.get(key, 0) + int(n)
    found = []
    for tray in trays:
        count = counted.get((tray.id, False), 0)
        found.append(
            TrayCount(
                tray=tray,
                count=min(count, TRAY_COUNT_CAP),
                overdue=min(counted.get((tray.id, True), 0), TRAY_COUNT_CAP),
                capped=count > TRAY_COUNT_CAP,
            )
        )
    return found


def log_tray_read(*, actor: User, count: int) -> None:
    """The trays' counts show no personal data; who looked is kept, as for a queue page."""
    record(
        actor=actor,
        role=",".join(sorted(r for r in actor.roles if r in CASE_ROLES)),
        event_type="read",
        action="tray.list",
        object_type="tray",
        detail={"count": count},
    )
