"""Signals about one household, however written, end in one case."""

from __future__ import annotations

import datetime

import pytest

from cases.matching import (
    SubjectFacts,
    match_keys,
    normalise_house_number,
    normalise_postcode,
    normalise_surname,
)
from cases.models import Case, Priority
from signals.models import Signal
from tests.signals.payloads import VALID_BSN, signal

URL = "/api/v1/signals/"


@pytest.mark.parametrize(
    ("surname", "prefix", "expected"),
    [
        ("Jansen-de Vries", "", "jansenvries"),
        ("JANSEN DE VRIES", "", "jansenvries"),
        ("Vries", "de", "vries"),
        ("van 't Hof", "", "hof"),
        ("Hof", "van 't", "hof"),
        ("Çelik", "", "celik"),
        ("Bakker - van der Berg", "", "bakkerberg"),
        ("d'Oliveira", "", "oliveira"),
    ],
)
def test_surname_normalisation(surname, prefix, expected):
    assert normalise_surname(surname, prefix) == expected


@pytest.mark.parametrize("raw", ["1234 ab", "1234AB", " 1234-Ab ", "1234  aB"])
def test_postcode_normalisation(raw):
    assert normalise_postcode(raw) == "1234AB"


@pytest.mark.parametrize("raw", ["0123AB", "1234 SA", "12345", "ABCD12", ""])
def test_postcodes_that_do_not_exist_are_refused(raw):
    assert normalise_postcode(raw) is None


def test_house_number_with_addition_normalisation():
    assert normalise_house_number("012", "-A") == normalise_house_number(12, "a") == "12a"


def test_match_keys_hold_no_plaintext(db):
    keys = match_keys(
        SubjectFacts(
            bsn=VALID_BSN,
            surname="Jansen",
            date_of_birth=datetime.date(1984, 3, 12),
            postcode="1012AB",
            house_number="12",
        )
    )
    assert len(keys) == 3
    assert all(VALID_BSN not in k and "jansen" not in k and "1012" not in k for k in keys)


def _file(api_as, user, **changes):
    response = api_as(user).post(URL, signal(**changes), format="json")
    assert response.status_code == 201, response.content
    return Signal.objects.get(pk=response.json()["id"])


def test_one_household_written_two_ways_ends_in_one_case(world, api_as):
    first = _file(
        api_as,
        world.corporatie,
        subject__surname="Jansen-de Vries",
        subject__given_names="Anna",
        subject__postcode="1234 ab",
    )
    second = _file(
        api_as,
        world.energie,
        signal_type="energy_arrears",
        partner_reference="E-77",
        subject__surname="JANSEN DE VRIES",
        subject__given_names="ANNA",
        subject__postcode="1234AB",
    )

    assert first.case_id == second.case_id
    case = Case.objects.get()
    assert case.signal_count == 2


def test_name_and_birth_date_match_without_address(world, api_as):
    first = _file(api_as, world.corporatie, subject__surname="Émile Dubois")
    second = _file(
        api_as,
        world.huisarts,
        signal_type="gp_observation",
        consent_given=True,
        subject__surname="emile dubois",
        subject__postcode="",
        subject__house_number="",
    )

    assert first.case_id == second.case_id


def test_bsn_matches_across_different_names_and_addresses(world, api_as):
    first = _file(api_as, world.corporatie, subject__bsn=VALID_BSN)
    second = _file(
        api_as,
        world.energie,
        signal_type="energy_arrears",
        subject__bsn=VALID_BSN,
        subject__surname="Pietersen",
        subject__date_of_birth="1970-01-01",
        subject__postcode="1050 AA",
    )

    assert first.case_id == second.case_id


def test_a_different_household_gets_its_own_case(world, api_as):
    first = _file(api_as, world.corporatie)
    other = _file(
        api_as,
        world.corporatie,
        partner_reference="HUUR-2",
        subject__surname="Bakker",
        subject__date_of_birth="1990-06-01",
        subject__postcode="1060 BB",
    )

    assert first.case_id != other.case_id
    assert Case.objects.count() == 2


def test_same_address_different_birth_date_is_another_household(world, api_as):
    first = _file(api_as, world.corporatie)
    other = _file(
        api_as,
        world.corporatie,
        partner_reference="HUUR-2",
        subject__surname="Student",
        subject__date_of_birth="2001-02-03",
    )

    assert first.case_id != other.case_id


def test_routing_records_the_district_team_from_the_postcode(world, api_as):
    noord = _file(api_as, world.corporatie, subject__postcode="1012 AB")
    zuid = _file(
        api_as,
        world.corporatie,
        partner_reference="Z",
        subject__surname="Zuidema",
        subject__postcode="1075 XY",
        subject__date_of_birth="1960-01-01",
    )
    elsewhere = _file(
        api_as,
        world.corporatie,
        partner_reference="X",
        subject__surname="Elders",
        subject__postcode="9999 ZZ",
        subject__date_of_birth="1961-01-01",
    )

    assert noord.case.district.team == world.noord
    assert zuid.case.district.team == world.zuid
    assert elsewhere.case.district is None


def test_a_threat_makes_the_case_urgent(world, api_as):
    filed = _file(api_as, world.corporatie, threat="eviction")
    assert filed.case.priority == Priority.URGENT


def test_plain_arrears_are_normal_priority(world, api_as):
    assert _file(api_as, world.corporatie).case.priority == Priority.NORMAL


def test_children_raise_priority(world, api_as):
    assert _file(api_as, world.corporatie, children_in_household="yes").case.priority == Priority.RAISED


def test_a_second_creditor_type_raises_priority_of_the_open_case(world, api_as):
    first = _file(api_as, world.corporatie)
    _file(api_as, world.energie, signal_type="energy_arrears")

    first.case.refresh_from_db()
    assert first.case.priority == Priority.RAISED
    assert first.case.signal_count == 2


def test_two_signals_from_the_same_creditor_type_do_not_raise_priority(world, api_as):
    first = _file(api_as, world.corporatie)
    _file(api_as, world.corporatie, partner_reference="HUUR-2")

    first.case.refresh_from_db()
    assert first.case.priority == Priority.NORMAL
