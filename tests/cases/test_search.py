"""Finding a household's case by BSN, name and date of birth, address or reference,
without plaintext, within one's own scope, logged without the searched values."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from audit.models import AccessEvent
from cases.models import Case, SearchKey
from cases.retention import erase_case
from signals.models import Signal
from tests.signals.payloads import VALID_BSN

from .flow import advance, file_case

SEARCH = "/api/v1/search/"


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def intake_case(world, api_as) -> str:
    """Anna Jansen-de Vries, born 1984-03-12, at 1012 AB 12, BSN known: a new case in the intake."""
    return file_case(world, api_as, subject__bsn=VALID_BSN)


@pytest.mark.parametrize(
    "query",
    [
        {"bsn": VALID_BSN},
        {"bsn": "111 222 333"},
        {"surname": "Jansen-de Vries", "date_of_birth": "1984-03-12"},
        {"surname": "JANSEN DE VRIES", "date_of_birth": "1984-03-12"},
        {"surname": "Jansen", "date_of_birth": "1984-03-12"},  # one half of the double surname
        {"postcode": "1012AB", "house_number": "12"},
        {"postcode": "1012 ab", "house_number": " 12 "},
    ],
)
def test_triage_finds_the_case_by_normalised_values(world, api_as, intake_case, query):
    assert ids(api_as(world.triage).get(SEARCH, query)) == [intake_case]


def test_a_search_finds_nothing_by_part_of_a_name_or_a_wrong_date(world, api_as, intake_case):
    client = api_as(world.triage)

    assert ids(client.get(SEARCH, {"surname": "Jans", "date_of_birth": "1984-03-12"})) == []
    assert ids(client.get(SEARCH, {"surname": "Jansen-de Vries", "date_of_birth": "1984-03-13"})) == []
    assert ids(client.get(SEARCH, {"postcode": "1012AB", "house_number": "14"})) == []


def test_diacritics_do_not_matter(world, api_as):
    case_id = file_case(world, api_as, subject__surname="Çelik", subject__postcode="1013 AA")

    found = api_as(world.triage).get(SEARCH, {"surname": "celik", "date_of_birth": "1984-03-12"})

    assert ids(found) == [case_id]


def test_an_address_with_an_addition_is_found_by_its_bare_number_and_by_itself_only(world, api_as):
    a = file_case(world, api_as, partner_reference="A", subject__house_number_addition="A")
    b = file_case(
        world,
        api_as,
        partner_reference="B",
        subject__surname="Bakker",
        subject__house_number_addition="B",
        subject__date_of_birth="1990-01-01",
    )
    client = api_as(world.triage)

    assert set(ids(client.get(SEARCH, {"postcode": "1012AB", "house_number": "12"}))) == {a, b}
    only_a = {"postcode": "1012AB", "house_number": "12", "house_number_addition": "a"}
    assert ids(client.get(SEARCH, only_a)) == [a]


def test_by_case_reference_and_by_signal_reference(world, api_as, intake_case):
    client = api_as(world.triage)
    case = Case.objects.get(pk=intake_case)
    signal = Signal.objects.get(case=case)

    assert ids(client.get(SEARCH, {"reference": case.reference.lower()})) == [intake_case]
    assert ids(client.get(SEARCH, {"reference": signal.reference})) == [intake_case]


def test_the_same_search_as_a_json_body(world, api_as, intake_case):
    response = api_as(world.triage).post(SEARCH, {"bsn": VALID_BSN}, format="json")

    assert ids(response) == [intake_case]


def test_results_are_queue_rows_without_personal_data(world, api_as, intake_case):
    row = api_as(world.triage).get(SEARCH, {"bsn": VALID_BSN}).json()["results"][0]

    assert {"id", "reference", "state", "priority", "team"} <= set(row)
    text = json.dumps(row)
    assert "Jansen" not in text and VALID_BSN not in text and "1012" not in text


def test_a_hit_outside_the_scope_is_neither_shown_nor_counted(world, api_as, intake_case):
    advance(world, api_as, intake_case, "awaiting_lead")  # now team Noord's, out of the intake

    assert ids(api_as(world.coordinator_zuid).get(SEARCH, {"bsn": VALID_BSN})) == []
    assert ids(api_as(world.professional_noord).get(SEARCH, {"bsn": VALID_BSN})) == []
    assert ids(api_as(world.triage).get(SEARCH, {"bsn": VALID_BSN})) == []
    assert ids(api_as(world.coordinator_noord).get(SEARCH, {"bsn": VALID_BSN})) == [intake_case]
    entry = AccessEvent.objects.filter(action="case.search", username="coordinator-zuid").get()
    assert entry.detail["count"] == 0
    assert entry.case_id is None


def test_every_search_is_logged_with_its_kind_and_hits_never_the_values(world, api_as, intake_case):
    client = api_as(world.triage)
    client.get(SEARCH, {"bsn": VALID_BSN})
    client.get(SEARCH, {"surname": "Jansen-de Vries", "date_of_birth": "1984-03-12"})
    client.post(SEARCH, {"postcode": "1012 AB", "house_number": "12"}, format="json")

    entries = list(AccessEvent.objects.filter(action="case.search").order_by("id"))
    assert [e.detail["kind"] for e in entries] == ["bsn", "name", "address"]
    assert all(e.detail["count"] == 1 and e.event_type == "read" for e in entries)
    assert all(str(e.case_id) == intake_case for e in entries)
    for entry in entries:
        text = json.dumps(entry.detail) + entry.purpose + entry.object_id + entry.subject_id
        for value in (VALID_BSN, "Jansen", "jansen", "1984", "1012"):
            assert value not in text


@pytest.mark.parametrize("actor", ["corporatie", "auditor", "beheer"])
def test_partners_auditors_and_administrators_may_not_search(world, api_as, intake_case, actor):
    response = api_as(getattr(world, actor)).get(SEARCH, {"bsn": VALID_BSN})

    assert response.status_code == 403
    assert VALID_BSN not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "non_field_errors"),
        ({"bsn": "12345"}, "bsn"),
        ({"surname": "Jansen"}, "date_of_birth"),
        ({"date_of_birth": "1984-03-12"}, "surname"),
        ({"postcode": "1012AB"}, "house_number"),
        ({"postcode": "ABCD", "house_number": "77"}, "postcode"),
        ({"reference": "X-1"}, "reference"),
        ({"bsn": VALID_BSN, "reference": "C-AAAA-BBBB"}, "non_field_errors"),
        ({"bsm": VALID_BSN}, "bsm"),
    ],
)
def test_a_search_that_is_not_one_kind_says_which_field(world, api_as, query, field):
    response = api_as(world.triage).get(SEARCH, query)

    assert response.status_code == 400
    assert field in response.json()
    for value in query.values():
        assert value not in response.content.decode()


def test_erasure_removes_the_address_search_keys(world, api_as, intake_case):
    case = Case.objects.get(pk=intake_case)
    assert SearchKey.objects.filter(household_id=case.household_id).count() == 1
    erase_case(case, timezone.now())
    assert not SearchKey.objects.filter(household_id=case.household_id).exists()
