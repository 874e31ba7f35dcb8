"""Repeat signals (a household whose last case closed within the window) and multiple
ones (two or more kinds of creditor within a month)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from cases.demo import seed_demo_trays
from cases.models import Case, Priority, WorkTray
from coordination.models import Policy
from signals.models import Signal
from tests.signals.payloads import signal

from .flow import advance, file_case

API = "/api/v1/signals/"


def _close(world, api_as, case_id: str, *, days_ago: int, outcome: str = "no_problem_found") -> None:
    advance(world, api_as, case_id, "triage")
    response = api_as(world.triage).post(
        f"/api/v1/cases/{case_id}/close/", {"outcome": outcome}, format="json"
    )
    assert response.status_code == 200, response.content
    Case.objects.filter(pk=case_id).update(closed_at=timezone.now() - datetime.timedelta(days=days_ago))


def test_a_household_closed_two_months_ago_and_signalled_again_opens_a_repeat_case(world, api_as):
    first = file_case(world, api_as)
    _close(world, api_as, first, days_ago=61)

    again = file_case(world, api_as, partner_reference="H-2")

    assert again != first
    case = Case.objects.get(pk=again)
    assert case.repeat is True
    assert str(case.previous_case_id) == first
    detail = api_as(world.triage).get(f"/api/v1/cases/{again}/").json()
    assert detail["repeat"] is True
    assert detail["previous_case"]["id"] == first
    assert detail["previous_case"]["reference"] == Case.objects.get(pk=first).reference
    assert detail["previous_case"]["outcome"] == "not_picked_up_unfounded"  # no_problem_found, as DDAS has it
    # Visible on the earlier case too.
    earlier = api_as(world.triage).get(f"/api/v1/cases/{first}/").json()
    assert earlier["later_cases"] == [{"id": again, "reference": case.reference}]
    assert earlier["repeat"] is False and earlier["previous_case"] is None
    listed = api_as(world.triage).get("/api/v1/cases/").json()["results"]
    assert [row["repeat"] for row in listed if row["id"] == again] == [True]


def test_a_household_closed_longer_ago_than_the_window_is_no_repeat(world, api_as):
    first = file_case(world, api_as)
    _close(world, api_as, first, days_ago=200)

    again = Case.objects.get(pk=file_case(world, api_as, partner_reference="H-2"))

    assert again.repeat is False and again.previous_case_id is None


def test_the_window_is_a_setting(world, api_as):
    policy = Policy.current()
    policy.repeat_window_months = 12
    policy.save()
    first = file_case(world, api_as)
    _close(world, api_as, first, days_ago=200)

    again = Case.objects.get(pk=file_case(world, api_as, partner_reference="H-2"))

    assert again.repeat is True and str(again.previous_case_id) == first


def test_closing_a_repeat_as_not_picked_up_tells_the_partner_not_picked_up(world, api_as):
    first = file_case(world, api_as)
    _close(world, api_as, first, days_ago=30)
    response = api_as(world.corporatie).post(API, signal(partner_reference="H-2"), format="json")
    again = str(Signal.objects.get(pk=response.json()["id"]).case_id)

    _close(world, api_as, again, days_ago=0, outcome="not_picked_up_repeat")

    mine = api_as(world.corporatie).get(f"/api/v1/signals/{response.json()['id']}/").json()
    assert mine["status"] == "not_picked_up"


def test_a_second_creditor_within_a_month_makes_the_case_multiple(world, api_as):
    seed_demo_trays()
    case_id = file_case(world, api_as)
    assert Case.objects.get(pk=case_id).tray.name == "Overig"  # type: ignore[union-attr]

    api_as(world.energie).post(
        API, signal(signal_type="energy_arrears", partner_reference="E-1"), format="json"
    )

    case = Case.objects.select_related("tray").get(pk=case_id)
    assert case.multiple is True
    assert case.creditor_kind_count == 2
    assert case.tray is not None and case.tray.name == "Meerdere schuldeisers"
    assert case.priority == Priority.RAISED
    detail = api_as(world.triage).get(f"/api/v1/cases/{case_id}/").json()
    assert detail["multiple"] is True
    assert detail["tray"] == {
        "id": case.tray.pk,
        "name": "Meerdere schuldeisers",
        "recommended_action": "phone",
    }


def test_a_second_creditor_after_more_than_a_month_is_not_multiple(world, api_as):
    case_id = file_case(world, api_as)
    long_ago = (timezone.localdate() - datetime.timedelta(days=45)).isoformat()
    Case.objects.filter(pk=case_id).update(creditor_seen={"housing": long_ago})

    api_as(world.energie).post(
        API, signal(signal_type="energy_arrears", partner_reference="E-1"), format="json"
    )

    case = Case.objects.get(pk=case_id)
    assert case.multiple is False
    assert case.creditor_kind_count == 2  # two kinds all the same: the priority rises as before
    assert case.priority == Priority.RAISED


def test_the_same_creditor_twice_is_not_multiple(world, api_as):
    case_id = file_case(world, api_as)

    file_case(world, api_as, partner_reference="H-2")

    case = Case.objects.get(pk=case_id)
    assert case.signal_count == 2 and case.multiple is False


def test_repeat_and_multiple_cases_count_in_the_figures_small_counts_suppressed(world, api_as):
    for n in range(5):
        case_id = file_case(
            world,
            api_as,
            partner_reference=f"H-{n}",
            subject__surname=f"Naam{n}",
            subject__date_of_birth=f"198{n}-01-01",
        )
        api_as(world.energie).post(
            API,
            signal(
                signal_type="energy_arrears",
                partner_reference=f"E-{n}",
                subject__surname=f"Naam{n}",
                subject__date_of_birth=f"198{n}-01-01",
            ),
            format="json",
        )
        assert Case.objects.get(pk=case_id).multiple is True

    reach = api_as(world.triage).get("/api/v1/figures/").json()["reach"]

    assert (reach["cases"], reach["repeat"], reach["multiple"]) == (5, None, 5)


def test_a_crisis_signal_filed_by_a_partner_puts_its_case_in_the_crisis_tray(world, api_as):
    seed_demo_trays()
    WorkTray.objects.create(name="Crisis", position=1, recommended_action="home_visit", crisis=True)

    response = api_as(world.corporatie).post(API, signal(crisis=True), format="json")

    assert response.status_code == 201, response.content
    case = Signal.objects.select_related("case").get(pk=response.json()["id"]).case
    assert case is not None
    assert case.crisis is True
    assert case.tray is not None and case.tray.name == "Crisis"
