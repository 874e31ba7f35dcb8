"""Urgency is configuration: per signal type and per threat, the priority it gives a case."""

from __future__ import annotations

from audit.models import AccessEvent
from cases.models import Case, Deadline, Priority
from coordination import acting
from coordination.models import Policy
from coordination.workdays import add_days, add_working_days
from signals.models import Signal, SignalType, ThreatUrgency
from tests.signals.payloads import signal

API = "/api/v1/signals/"


def _end_of_supply(api_as, world, n: int) -> Case:
    response = api_as(world.energie).post(
        API,
        signal(
            signal_type="energy_end_of_supply",
            threat="end_of_supply",
            arrears_amount=None,
            arrears_since=None,
            partner_reference=f"EOS-{n}",
            subject__surname=f"Naam{n}",
            subject__date_of_birth=f"198{n}-01-01",
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    case = Signal.objects.get(pk=response.json()["id"]).case
    assert case is not None
    return case


def test_an_end_of_supply_is_not_urgent_by_default(world, api_as):
    case = _end_of_supply(api_as, world, 1)

    assert case.priority == Priority.RAISED
    policy = Policy.current()
    assert case.deadline == Deadline.FIRST_CONTACT
    assert case.due_at == add_days(case.opened_at, policy.first_contact_days)


def test_it_is_urgent_once_the_administrator_says_so_for_new_signals_and_the_change_is_logged(world, api_as):
    before = _end_of_supply(api_as, world, 1)
    with acting.acting_as(world.beheer):
        setting, _ = ThreatUrgency.objects.get_or_create(threat="end_of_supply")
        setting.priority = Priority.URGENT
        setting.save()

    after = _end_of_supply(api_as, world, 2)

    assert after.priority == Priority.URGENT
    assert after.due_at == add_working_days(
        after.opened_at, Policy.current().urgent_first_contact_working_days
    )
    # The change applies to new signals: the earlier case keeps its priority.
    before.refresh_from_db()
    assert before.priority == Priority.RAISED
    entries = AccessEvent.objects.filter(action__startswith="threat_urgency.").order_by("id")
    assert [e.username for e in entries] == ["beheer"] * entries.count() and entries.exists()


def test_a_signal_type_can_be_made_urgent(world, api_as):
    with acting.acting_as(world.beheer):
        rent = SignalType.objects.get(code="rent_arrears")
        rent.priority = Priority.URGENT
        rent.save()

    response = api_as(world.corporatie).post(API, signal(), format="json")

    case = Signal.objects.get(pk=response.json()["id"]).case
    assert case is not None and case.priority == Priority.URGENT
    entry = AccessEvent.objects.get(action="signal_type.change")
    assert entry.detail["changed"]["priority"] == [10, 30]


def test_eviction_and_disconnection_stay_urgent_and_a_threat_can_be_lowered(world, api_as):
    evicted = api_as(world.corporatie).post(API, signal(threat="eviction"), format="json")
    assert Signal.objects.get(pk=evicted.json()["id"]).case.priority == Priority.URGENT  # type: ignore[union-attr]

    ThreatUrgency.objects.update_or_create(threat="disconnection", defaults={"priority": Priority.NORMAL})
    response = api_as(world.energie).post(
        API,
        signal(
            signal_type="energy_arrears",
            threat="disconnection",
            partner_reference="E-1",
            subject__surname="Bakker",
            subject__date_of_birth="1970-01-01",
        ),
        format="json",
    )

    assert Signal.objects.get(pk=response.json()["id"]).case.priority == Priority.NORMAL  # type: ignore[union-attr]
