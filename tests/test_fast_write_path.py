"""The fast write path (``helpers.rows``) stores exactly what the ORM stores.

Filing a signal writes households, match keys, cases, possible-match marks,
the signal and its access-log entry through ``rows`` instead of ``save()``.
For every one of those models, a row written by ``rows`` (one statement, and
COPY for a batch) is compared column by column with the same object saved by
the ORM: the values as stored, and the personal fields as they decrypt for
their own row. On PostgreSQL here, and on SQLite (the ``make run`` database)
in a process of its own.
"""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, models

from audit.models import AccessEvent
from cases.models import Case, Household, HouseholdKey, PartialKey, PossibleMatch, State
from helpers import rows
from helpers.crypto import EncryptedField
from signals.models import Signal, SignalType

ROOT = Path(__file__).resolve().parent.parent
AT = datetime.datetime(2026, 11, 30, 13, 45, 12, 345678, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Spec:
    model: type[models.Model]
    build: Callable[[Any, int, bool], models.Model]  # (world, n, full) -> a new object
    identity: tuple[str, ...]  # the fields that tell two objects apart (unique by construction)


def _household(world: Any, n: int, full: bool) -> Household:
    return Household(created_at=AT)


def _household_key(world: Any, n: int, full: bool) -> HouseholdKey:
    return HouseholdKey(None, f"k{n:031d}", world.household.pk)


def _partial_key(world: Any, n: int, full: bool) -> PartialKey:
    return PartialKey(uuid.uuid4(), f"p{n:031d}", world.household.pk)


def _case(world: Any, n: int, full: bool) -> Case:
    case = Case(household_id=world.household.pk, opened_at=AT, last_signal_at=AT, state_entered_at=AT)
    if full:
        case = Case(
            household_id=world.household.pk,
            state=State.CLOSED,
            priority=30,
            district=world.noord.districts.first(),
            team=world.noord,
            lead=world.professional_noord,
            claimed_by=world.triage,
            opened_at=AT,
            last_signal_at=AT,
            signal_count=3,
            creditor_kinds="energy,housing",
            state_entered_at=AT,
            first_contact_at=AT,
            deadline="first_conversation",
            due_at=AT + datetime.timedelta(days=28),
            overdue=True,
            closed_at=AT,
            outcome="not_picked_up_other",
            outcome_reason="Verhuisd naar familie in Groningen",
        )
    return case


def _possible_match(world: Any, n: int, full: bool) -> PossibleMatch:
    return PossibleMatch(
        case_id=world.cases[n].pk, other_id=world.cases[0].pk, evidence="surname_part", found_at=AT
    )


def _signal(world: Any, n: int, full: bool) -> Signal:
    signal = Signal(
        signal_type=SignalType.objects.get(code="rent_arrears"),
        organisation=world.housing,
        filed_by=world.corporatie,
        partner_reference="HUUR-0042",
        partner_reference_index=f"r{n:031d}",
        content_index="c" * 32,
        received_at=AT,
    )
    if full:
        signal.case = world.cases[0]
        signal.status = "picked_up"
        signal.idempotency_key_index = f"i{n:031d}"
        for name, value in {
            "bsn": "123456782",
            "initials": "A.",
            "given_names": "Anna Maria",
            "surname_prefix": "de",
            "surname": "Vries-Jansen",
            "date_of_birth": datetime.date(1984, 3, 12),
            "postcode": "1012 AB",
            "house_number": "12",
            "house_number_addition": "bis",
            "street": "Prinsengracht",
            "city": "Amsterdam",
            "phone": "+31 6 12345678",
            "email": "anna@example.org",
            "note": "Zoon van 6 komt zonder lunch; ‘moeder’ wil hulp — €850",
        }.items():
            setattr(signal, name, value)
        signal.arrears_amount = Decimal("850.50")
        signal.arrears_since = datetime.date(2026, 8, 1)
        signal.threat = "eviction"
        signal.children_in_household = "yes"
        signal.consent_given = True
        signal.postcode_area = "1012"
    return signal


def _access_event(world: Any, n: int, full: bool) -> AccessEvent:
    event = AccessEvent(
        occurred_at=AT,
        event_type="write",
        action="signal.create",
        outcome="success",
        chain=7,
        seq=1_000_000 + n,
        prev_hash="a" * 64,
        hash="b" * 64,
    )
    if full:
        event.user_id = world.corporatie.pk
        event.username = "corporatie"
        event.user_name = "Test Gebruiker"
        event.role = "partner"
        event.organisation = "Woonstichting Thuis"
        event.purpose = "doorbreking: spoed"
        event.break_glass = True
        event.subject_id = str(world.household.pk)
        event.case_id = world.cases[0].pk
        event.object_type = "signal"
        event.object_id = "6a985b13-0027-4703-b0e1-0f5232b227fd"
        event.client_ip = "2001:db8::1"
        event.user_agent = "curl/8.5"
        event.request_id = "req-1"
        event.detail = {"replayed": True, "rows": 1}
    return event


SPECS = [
    Spec(Household, _household, ()),
    Spec(HouseholdKey, _household_key, ("digest",)),
    Spec(PartialKey, _partial_key, ("digest",)),
    Spec(Case, _case, ("reference",)),
    Spec(PossibleMatch, _possible_match, ("case",)),
    Spec(Signal, _signal, ("reference", "partner_reference_index", "idempotency_key_index")),
    Spec(AccessEvent, _access_event, ("seq",)),
]


def _locate(spec: Spec, obj: models.Model) -> dict[str, Any]:
    """A lookup for the stored row: by primary key, or (when COPY read back no id) by identity."""
    if obj.pk is not None:
        return {"pk": obj.pk}
    return {name: getattr(obj, name) for name in spec.identity}


def _stored(spec: Spec, obj: models.Model) -> dict[str, Any]:
    """The row as stored, but for the primary key and the identity: plain columns as the
    database gives them, personal fields decrypted (they are bound to their row)."""
    model = spec.model
    meta = model._meta
    skip = {meta.pk.name, *spec.identity}
    fields = [f for f in meta.concrete_fields if f.name not in skip]
    plain = [f for f in fields if not isinstance(f, EncryptedField)]
    pk = model._default_manager.filter(**_locate(spec, obj)).values_list("pk", flat=True).get()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(quote(f.column) for f in plain)} FROM {quote(meta.db_table)} "
            f"WHERE {quote(meta.pk.column)} = %s",
            [meta.pk.get_db_prep_value(pk, connection)],
        )
        raw = cursor.fetchone()
    stored = {f.column: value for f, value in zip(plain, raw, strict=True)}
    fresh = model._default_manager.get(pk=pk)
    for f in fields:
        if isinstance(f, EncryptedField):
            stored[f.column] = getattr(fresh, f.attname)
    return stored


@pytest.fixture
def world_with_cases(world: Any) -> Any:
    if os.environ.get("ROWS_ON_SQLITE") == "1":
        assert connection.vendor == "sqlite"
    world.household = Household.objects.create(created_at=AT)
    world.cases = [
        Case.objects.create(household=world.household, opened_at=AT, last_signal_at=AT, state_entered_at=AT)
        for _ in range(rows.COPY_FROM_ROWS + 4)
    ]
    return world


def _written_alike(spec: Spec, world: Any, full: bool, fast: list[models.Model]) -> None:
    rows.insert(spec.model, fast)
    orm = spec.build(world, len(world.cases) - 1, full)
    orm.save(force_insert=True)
    expected = _stored(spec, orm)
    for obj in (fast[0], fast[-1]):
        assert _stored(spec, obj) == expected


@pytest.mark.parametrize("full", [True, False], ids=["every-field", "only-required"])
@pytest.mark.parametrize("spec", SPECS, ids=[s.model.__name__ for s in SPECS])
def test_a_row_written_by_the_fast_path_is_the_row_the_orm_writes(world_with_cases, spec, full):
    world = world_with_cases
    _written_alike(spec, world, full, [spec.build(world, 1, full)])


@pytest.mark.parametrize("spec", SPECS, ids=[s.model.__name__ for s in SPECS])
def test_a_batch_written_by_copy_is_the_rows_the_orm_writes(world_with_cases, spec):
    # From COPY_FROM_ROWS rows on, PostgreSQL gets them by COPY (a bulk file's batches).
    world = world_with_cases
    _written_alike(spec, world, True, [spec.build(world, n, True) for n in range(1, rows.COPY_FROM_ROWS + 2)])


def test_joined_cases_updated_by_the_fast_path_are_stored_as_by_save(world_with_cases):
    world = world_with_cases
    fast, orm = world.cases[1], world.cases[2]
    for case in (fast, orm):
        case.signal_count, case.priority, case.creditor_kinds = 2, 20, "energy,housing"
        case.last_signal_at = case.due_at = AT
        case.deadline, case.overdue = "first_contact", True
    names = ["signal_count", "last_signal_at", "priority", "creditor_kinds", "deadline", "due_at", "overdue"]
    rows.update(Case, [fast], names)
    orm.save(update_fields=names)

    spec = Spec(Case, _case, ("reference",))
    assert _stored(spec, fast) == _stored(spec, orm)


def test_the_fast_path_refuses_to_update_an_encrypted_field_instead_of_storing_it_in_the_clear(
    world_with_cases,
):
    case = world_with_cases.cases[1]
    case.outcome_reason = "Verhuisd naar familie in Groningen"

    with pytest.raises(ValueError, match="outcome_reason"):
        rows.update(Case, [case], ["outcome_reason"])

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT outcome_reason FROM cases_case WHERE id = %s",
            [Case._meta.pk.get_db_prep_value(case.pk, connection)],
        )
        assert cursor.fetchone() == (None,)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("ROWS_ON_SQLITE") == "1", reason="this is the SQLite run")
def test_on_sqlite_the_fast_path_writes_what_the_orm_writes(tmp_path):
    """The same comparisons on SQLite, the database ``make run`` uses."""
    env = {
        **os.environ,
        "ROWS_ON_SQLITE": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "TEST_DB_NAME": str(tmp_path / "test.sqlite3"),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "--create-db",
            "-q",
            str(Path(__file__)),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed is not None and int(passed.group(1)) == len(SPECS) * 3 + 2, result.stdout[-2000:]
    assert "failed" not in result.stdout and "error" not in result.stdout
