"""The auditor finds a household by what they have: a case or signal reference, a
username, a resident's BSN (also after the household's data was erased)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from audit.models import AccessEvent, SubjectKey
from cases.models import Case, HouseholdKey
from signals.models import Signal
from signals.retention import apply_retention
from tests.cases.flow import file_case, step

SUBJECTS = "/api/v1/audit/subjects/"
EVENTS = "/api/v1/audit/events/"
BSN = "111222333"  # passes the elfproef


def _household(case_id: str) -> str:
    return str(Case.objects.get(pk=case_id).household_id)


def test_a_bsn_finds_the_household_after_its_case_was_erased(world, api_as):
    case_id = file_case(world, api_as, subject__bsn=BSN)
    household = _household(case_id)
    reference = Case.objects.get(pk=case_id).reference
    step(api_as, world.triage, case_id, "close", outcome="not_picked_up_unfounded")
    long_ago = timezone.now() - datetime.timedelta(days=400)
    Case.objects.filter(pk=case_id).update(opened_at=long_ago, closed_at=long_ago)

    apply_retention()

    assert Case.objects.get(pk=case_id).erased_at is not None
    assert not HouseholdKey.objects.filter(household_id=household).exists()  # the match keys are gone
    response = api_as(world.auditor).get(SUBJECTS, {"bsn": BSN})
    assert response.status_code == 200, response.content
    assert response.json() == [{"subject_id": household, "cases": [reference]}]
    # The search is logged, the BSN is not: neither in clear nor in the stored key.
    entry = AccessEvent.objects.get(action="audit.subjects.find")
    assert entry.detail == {"by": "bsn", "found": 1, "via": "api"}
    assert BSN not in str(AccessEvent.objects.values_list())
    assert BSN not in str(SubjectKey.objects.values_list())


def test_a_bsn_finds_every_household_it_matched(world, api_as):
    first = file_case(world, api_as, subject__bsn=BSN, partner_reference="R-1")
    step(api_as, world.triage, first, "close", outcome="not_picked_up_unfounded")
    long_ago = timezone.now() - datetime.timedelta(days=400)
    Case.objects.filter(pk=first).update(opened_at=long_ago, closed_at=long_ago)
    apply_retention()
    # After erasure the same BSN starts a new household.
    second = file_case(world, api_as, subject__bsn=BSN, partner_reference="R-2")

    found = api_as(world.auditor).get(SUBJECTS, {"bsn": f" {BSN[:3]} {BSN[3:]} "}).json()

    assert {row["subject_id"] for row in found} == {_household(first), _household(second)}
    assert _household(first) != _household(second)


def test_a_case_or_signal_reference_finds_the_household(world, api_as):
    case_id = file_case(world, api_as)
    case = Case.objects.get(pk=case_id)
    signal = Signal.objects.get(case_id=case_id)
    client = api_as(world.auditor)

    expected = [{"subject_id": str(case.household_id), "cases": [case.reference]}]
    assert client.get(SUBJECTS, {"case": case.reference.lower()}).json() == expected
    assert client.get(SUBJECTS, {"signal": signal.reference}).json() == expected
    assert client.get(SUBJECTS, {"case": "C-NONE"}).json() == []


@pytest.mark.parametrize("params", [{}, {"bsn": "12"}, {"bsn": BSN, "case": "C-1"}])
def test_a_search_needs_exactly_one_usable_key(world, api_as, params):
    response = api_as(world.auditor).get(SUBJECTS, params)

    assert response.status_code == 400
    assert BSN not in response.content.decode()


def test_the_event_filters_take_a_case_reference_and_a_username(world, api_as):
    case_id = file_case(world, api_as)
    reference = Case.objects.get(pk=case_id).reference
    api_as(world.triage).get(f"/api/v1/cases/{case_id}/")
    client = api_as(world.auditor)

    by_reference = client.get(EVENTS, {"case": reference}).json()["results"]
    by_signal = client.get(EVENTS, {"case": Signal.objects.get(case_id=case_id).reference}).json()["results"]
    by_user = client.get(EVENTS, {"user": "schakelpunt", "case": reference}).json()["results"]

    assert {row["case_id"] for row in by_reference} == {case_id}
    assert {row["action"] for row in by_reference} >= {"signal.create", "case.read"}
    assert by_signal == by_reference
    assert [row["action"] for row in by_user] == ["case.read"]


def test_unknown_references_and_usernames_are_named(world, api_as):
    response = api_as(world.auditor).get(EVENTS, {"case": "C-NONE", "user": "niemand"})

    assert response.status_code == 400
    assert response.json()["case"] == ["Er is geen casus of signaal met deze referentie."]
    assert response.json()["user"] == ["Er is geen gebruiker met deze gebruikersnaam of dit id."]


def test_a_bsn_can_be_posted_to_keep_it_out_of_urls(world, api_as):
    case_id = file_case(world, api_as, subject__bsn=BSN)

    response = api_as(world.auditor).post(SUBJECTS, {"bsn": BSN}, format="json")

    assert response.status_code == 200
    assert [row["subject_id"] for row in response.json()] == [_household(case_id)]
    assert not AccessEvent.objects.filter(action__contains=BSN).exists()
