"""Signals join one case only on enough evidence; weaker evidence marks a possible match.

"Jansen-de Vries" and "Jansen" born on the same day are two people unless
their address or BSN agrees as well: joining them would show one
household's name, BSN and address to the other's lead. Such signals open
their own cases, each marked as a possible match of the other, for triage.
"""

from __future__ import annotations

import csv
import datetime
import importlib
import io
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client

from cases.matching import SubjectFacts, keys_for
from cases.models import Case, HouseholdKey, PartialKey, PossibleMatch
from helpers.crypto import blind_index
from signals.models import Signal
from tests.signals.payloads import VALID_BSN, signal

from .flow import advance

URL = "/api/v1/signals/"
OTHER_ADDRESS = {"subject__postcode": "1013 CD", "subject__house_number": "5", "subject__street": "Dorpsweg"}


@pytest.fixture
def web_as():
    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@dataclass(frozen=True)
class Filed:
    """A filed signal and the case it went to."""

    pk: uuid.UUID
    case: Case

    @property
    def case_id(self) -> uuid.UUID:
        return self.case.pk


def _filed(signal: Signal) -> Filed:
    assert signal.case is not None
    return Filed(pk=signal.pk, case=signal.case)


def _file(api_as: Any, user: Any, reference: str, **changes: Any) -> Filed:
    response = api_as(user).post(URL, signal(partner_reference=reference, **changes), format="json")
    assert response.status_code == 201, response.content
    return _filed(Signal.objects.select_related("case").get(pk=response.json()["id"]))


def _matches(api_as: Any, user: Any, case_id: Any) -> list[dict[str, Any]]:
    response = api_as(user).get(f"/api/v1/cases/{case_id}/")
    assert response.status_code == 200, response.content
    return response.json()["possible_matches"]


def _entry(case: Case, evidence: str = "surname_part") -> dict[str, Any]:
    return {"id": str(case.pk), "reference": case.reference, "state": case.state, "evidence": evidence}


def test_half_a_surname_is_kept_apart_from_the_keys_that_join():
    born = datetime.date(1984, 3, 12)
    double = keys_for(
        SubjectFacts(surname="Jansen-de Vries", date_of_birth=born, postcode="1012AB", house_number="12")
    )
    single = keys_for(SubjectFacts(surname="Jansen", date_of_birth=born, postcode="1013CD", house_number="5"))

    assert not double.joining & single.joining
    assert double.suggesting.keys() & single.joining  # "Jansen-de Vries" finds "Jansen" ...
    assert single.suggesting.keys() & double.partial  # ... and "Jansen" finds "Jansen-de Vries"
    for key in double.joining | double.partial | double.suggesting.keys():
        assert "jansen" not in key and "vries" not in key and "1012" not in key and "1984" not in key


def test_half_a_double_surname_at_another_address_opens_a_case_marked_as_possible_match(world, api_as):
    first = _file(api_as, world.corporatie, "HUUR-1", subject__surname="Jansen-de Vries")
    second = _file(
        api_as,
        world.energie,
        "E-1",
        signal_type="energy_arrears",
        subject__surname="Jansen",
        subject__given_names="Karel",
        subject__bsn=VALID_BSN,
        **OTHER_ADDRESS,
    )

    assert first.case_id != second.case_id
    assert Case.objects.count() == 2
    assert _matches(api_as, world.triage, second.case_id) == [_entry(first.case)]
    assert _matches(api_as, world.triage, first.case_id) == [_entry(second.case)]
    # Neither case shows the other household's personal data.
    detail = api_as(world.triage).get(f"/api/v1/cases/{first.case_id}/").content.decode()
    assert "Karel" not in detail and VALID_BSN not in detail and "1013" not in detail


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ({"subject__surname": "Jansen"}, {"subject__surname": "Jansen-de Vries"}),
        (
            {"subject__surname": "Jansen-de Vries"},
            {"subject__surname": "Vries", "subject__surname_prefix": "de"},
        ),
        ({"subject__surname": "Jansen-de Vries"}, {"subject__surname": "de Vries-Bakker"}),
    ],
    ids=["single-then-double", "double-then-other-half", "two-doubles-sharing-a-half"],
)
def test_every_way_of_sharing_only_half_a_surname_is_a_possible_match(world, api_as, earlier, later):
    first = _file(api_as, world.corporatie, "HUUR-1", **earlier)
    second = _file(api_as, world.corporatie, "HUUR-2", **later, **OTHER_ADDRESS)

    assert first.case_id != second.case_id
    assert _matches(api_as, world.triage, second.case_id) == [_entry(first.case)]
    assert _matches(api_as, world.triage, first.case_id) == [_entry(second.case)]


def test_half_a_surname_at_the_same_address_joins_one_case(world, api_as):
    first = _file(api_as, world.corporatie, "HUUR-1", subject__surname="Jansen-de Vries")
    second = _file(
        api_as,
        world.energie,
        "E-1",
        signal_type="energy_arrears",
        subject__surname="Jansen",
        subject__postcode="1012AB",
        subject__house_number="12",
    )

    assert first.case_id == second.case_id
    assert Case.objects.get().signal_count == 2
    assert _matches(api_as, world.triage, first.case_id) == []


def test_half_a_surname_with_the_same_bsn_joins_one_case(world, api_as):
    first = _file(
        api_as, world.corporatie, "HUUR-1", subject__surname="Jansen-de Vries", subject__bsn=VALID_BSN
    )
    second = _file(
        api_as,
        world.energie,
        "E-1",
        signal_type="energy_arrears",
        subject__surname="Jansen",
        subject__bsn=VALID_BSN,
        **OTHER_ADDRESS,
    )

    assert first.case_id == second.case_id
    assert _matches(api_as, world.triage, first.case_id) == []


def test_the_full_surname_and_birth_date_still_join_without_an_address(world, api_as):
    first = _file(api_as, world.corporatie, "HUUR-1", subject__surname="Jansen-de Vries")
    second = _file(
        api_as,
        world.huisarts,
        "HA-1",
        signal_type="gp_observation",
        consent_given=True,
        subject__surname="Jansen-de Vries",
        subject__postcode="",
        subject__house_number="",
    )

    assert first.case_id == second.case_id
    assert _matches(api_as, world.triage, first.case_id) == []


@pytest.mark.parametrize(
    ("surname", "prefix"),
    [
        ("JANSEN DE VRIES", ""),
        ("jansen-de vriës", ""),
        ("Jansen - Vries", "de"),
        ("  Jánsen-De  Vries ", ""),
    ],
)
def test_normalised_full_surnames_still_join(world, api_as, surname, prefix):
    first = _file(api_as, world.corporatie, "HUUR-1", subject__surname="Jansen-de Vries")
    second = _file(
        api_as,
        world.corporatie,
        "HUUR-2",
        subject__surname=surname,
        subject__surname_prefix=prefix,
        **OTHER_ADDRESS,
    )

    assert first.case_id == second.case_id
    assert _matches(api_as, world.triage, first.case_id) == []


def test_another_birth_date_is_neither_joined_nor_marked(world, api_as, web_as):
    first = _file(api_as, world.corporatie, "HUUR-1", subject__surname="Jansen-de Vries")
    second = _file(
        api_as, world.corporatie, "HUUR-2", subject__surname="Jansen", subject__date_of_birth="1984-03-13"
    )

    assert first.case_id != second.case_id
    assert _matches(api_as, world.triage, first.case_id) == []
    assert _matches(api_as, world.triage, second.case_id) == []
    html = web_as(world.triage).get(f"/casussen/{first.case_id}/").content.decode()
    assert "Mogelijk hetzelfde huishouden" not in html


@pytest.mark.parametrize(
    ("earlier", "later", "joined"),
    [
        ("12-A", "12a", True),
        ("12", "12-A", False),
        ("12-A", "12", False),
        ("12-A", "12-B", False),
    ],
)
def test_the_house_number_addition_is_part_of_the_address(world, api_as, earlier, later, joined):
    def address(number: str) -> dict[str, str]:
        digits, _, addition = number.partition("-")
        if not addition and digits[-1].isalpha():
            digits, addition = digits[:-1], digits[-1]
        return {"subject__house_number": digits, "subject__house_number_addition": addition}

    first = _file(api_as, world.corporatie, "HUUR-1", subject__surname="Smit", **address(earlier))
    # Another surname: only the address and birth date can bring them together.
    second = _file(api_as, world.corporatie, "HUUR-2", subject__surname="Visser", **address(later))

    assert (first.case_id == second.case_id) is joined
    expected = [] if joined else [_entry(first.case, "address_addition")]
    assert _matches(api_as, world.triage, second.case_id) == expected


def test_a_signal_joining_its_case_on_good_evidence_marks_the_pair_once(world, api_as):
    first = _file(api_as, world.corporatie, "HUUR-1", subject__surname="Jansen-de Vries")
    second = _file(api_as, world.corporatie, "HUUR-2", subject__surname="Jansen", **OTHER_ADDRESS)
    third = _file(
        api_as, world.energie, "E-1", signal_type="energy_arrears", subject__surname="Jansen", **OTHER_ADDRESS
    )

    assert third.case_id == second.case_id
    assert Case.objects.count() == 2
    assert _matches(api_as, world.triage, first.case_id) == [_entry(second.case)]
    assert PossibleMatch.objects.count() == 1


def test_the_case_page_shows_triage_the_possible_match_on_both_cases(world, api_as, web_as):
    first = _file(api_as, world.corporatie, "HUUR-1", subject__surname="Jansen-de Vries")
    second = _file(api_as, world.corporatie, "HUUR-2", subject__surname="Jansen", **OTHER_ADDRESS)

    for case, other in ((first.case, second.case), (second.case, first.case)):
        page = web_as(world.triage).get(f"/casussen/{case.pk}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "Mogelijk hetzelfde huishouden" in html
        assert f'href="/casussen/{other.pk}/"' in html
        assert other.reference in html
        assert "deel van een dubbele achternaam" in html


def test_the_mark_shows_only_cases_the_reader_may_see(world, api_as, web_as):
    first = _file(api_as, world.corporatie, "HUUR-1", subject__surname="Jansen-de Vries")
    second = _file(api_as, world.corporatie, "HUUR-2", subject__surname="Jansen", **OTHER_ADDRESS)
    advance(world, api_as, str(first.case_id), "awaiting_lead")  # now team Noord's, out of the intake

    # The coordinator sees the team's case, but not the other one still in the intake.
    assert _matches(api_as, world.coordinator_noord, first.case_id) == []
    html = web_as(world.coordinator_noord).get(f"/casussen/{first.case_id}/").content.decode()
    assert second.case.reference not in html
    # Triage no longer sees the referred case, so not in the mark either.
    assert _matches(api_as, world.triage, second.case_id) == []
    # Breaking the glass opens the case, not the marks that lead out of one's scope.
    response = api_as(world.coordinator_zuid).post(
        f"/api/v1/cases/{first.case_id}/access/", {"reason": "Controle"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["possible_matches"] == []


def test_a_partner_never_sees_anything_of_a_possible_match(world, api_as, web_as):
    first = _file(api_as, world.corporatie, "HUUR-1", subject__surname="Jansen-de Vries")
    second = _file(
        api_as, world.energie, "E-1", signal_type="energy_arrears", subject__surname="Jansen", **OTHER_ADDRESS
    )
    assert PossibleMatch.objects.count() == 1
    first_case, second_case = first.case, second.case

    for user, own, other in ((world.corporatie, first, second), (world.energie, second, first)):
        client = api_as(user)
        listing = client.get(URL)
        detail = client.get(f"{URL}{own.pk}/")
        page = web_as(user).get(f"/signalen/{own.pk}/")
        assert detail.json()["status"] == "received"
        for response in (listing, detail, page):
            assert response.status_code == 200
            text = response.content.decode()
            for leak in (
                first_case.reference,
                second_case.reference,
                str(first_case.pk),
                str(second_case.pk),
            ):
                assert leak not in text
            assert "possible" not in text and "Mogelijk hetzelfde" not in text
        assert client.get(f"{URL}{other.pk}/").status_code == 404
        for case in (first_case, second_case):
            assert client.get(f"/api/v1/cases/{case.pk}/").status_code in (403, 404)
            assert web_as(user).get(f"/casussen/{case.pk}/").status_code in (403, 404)


def _row(
    reference: str, surname: str, postcode: str, number: str, born: str = "1984-03-12"
) -> dict[str, str]:
    return {
        "signal_type": "rent_arrears",
        "partner_reference": reference,
        "subject_surname": surname,
        "subject_date_of_birth": born,
        "subject_postcode": postcode,
        "subject_house_number": number,
        "arrears_amount": "450.00",
        "arrears_since": "2026-06-01",
    }


def test_rows_of_one_bulk_file_join_and_mark_each_other(world, api_as, django_capture_on_commit_callbacks):
    # Enough other rows that the batch is written by COPY, as a monthly file is.
    rows = [
        _row(
            f"F-{n}",
            f"Huurder{chr(97 + n % 26)}{chr(97 + n // 26)}",
            f"{1000 + n % 50} AB",
            str(n + 1),
            f"19{40 + n % 50}-01-02",
        )
        for n in range(70)
    ]
    rows += [
        _row("A", "Jansen-de Vries", "1012 AB", "12"),
        _row("B", "Jansen", "1013 CD", "5"),
        _row("C", "de Vries", "1014 EF", "7"),
        _row("D", "de Vries-Jansen", "1012AB", "12"),  # the same address as A: joins A
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    client = api_as(world.corporatie)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/signals/bulk/",
            {"file": SimpleUploadedFile("maand.csv", out.getvalue().encode())},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    assert client.get(f"/api/v1/signals/bulk/{response.json()['id']}/").json()["state"] == "done"

    case_of = {s.partner_reference: _filed(s).case for s in Signal.objects.select_related("case")}
    assert len(case_of) == 74
    a, b, c = case_of["A"], case_of["B"], case_of["C"]
    assert case_of["D"] == a
    assert len({a.pk, b.pk, c.pk}) == 3
    assert Case.objects.count() == 73
    assert {m["reference"] for m in _matches(api_as, world.triage, a.pk)} == {b.reference, c.reference}
    assert [m["reference"] for m in _matches(api_as, world.triage, b.pk)] == [a.reference]
    assert [m["reference"] for m in _matches(api_as, world.triage, c.pk)] == [a.reference]


def test_a_signal_that_fits_two_open_cases_joins_the_older_and_marks_both(world, api_as):
    first = _file(api_as, world.corporatie, "HUUR-1", subject__surname="Bakker")
    second = _file(api_as, world.corporatie, "HUUR-2", subject__surname="Smit", **OTHER_ADDRESS)
    assert _matches(api_as, world.triage, first.case_id) == []

    # Smit's surname and birth date, Bakker's address and birth date.
    both = _file(api_as, world.energie, "E-1", signal_type="energy_arrears", subject__surname="Smit")

    assert both.case_id == first.case_id
    assert _matches(api_as, world.triage, first.case_id) == [_entry(second.case, "fits_both")]
    assert _matches(api_as, world.triage, second.case_id) == [_entry(first.case, "fits_both")]


def test_keys_made_before_the_upgrade_stop_joining_half_a_surname(world, api_as):
    first = _file(api_as, world.corporatie, "HUUR-1", subject__surname="Jansen-de Vries")
    household = first.case.household
    # As the old code stored them: each half among the full-surname keys, no partial keys.
    PartialKey.objects.all().delete()
    for half in ("jansen", "vries"):
        HouseholdKey.objects.create(
            digest=blind_index("dob+surname", f"1984-03-12|{half}"), household=household
        )

    importlib.import_module("cases.migrations.0007_surname_halves_only_suggest").split_surname_halves(
        apps, None
    )

    second = _file(api_as, world.corporatie, "HUUR-2", subject__surname="Jansen", **OTHER_ADDRESS)
    assert second.case_id != first.case_id
    assert _matches(api_as, world.triage, first.case_id) == [_entry(second.case)]
    # The full surname still joins, and so does the address.
    no_address = {"subject__postcode": "", "subject__house_number": ""}
    for n, changes in enumerate(
        ({"subject__surname": "jansen de vries", **no_address}, {"subject__surname": "Anders"})
    ):
        again = _file(api_as, world.energie, f"E-{n}", signal_type="energy_arrears", **changes)
        assert again.case_id == first.case_id


@pytest.mark.django_db(transaction=True)
def test_half_a_surname_filed_while_the_other_is_being_filed_is_still_marked(world, api_as):
    # The first filing holds its transaction open; the second, about "Jansen",
    # must wait for it (they share a lock) and then find it, not miss it.
    first_filed, release = threading.Event(), threading.Event()
    filed: dict[str, Filed] = {}

    def file_first() -> None:
        try:
            with transaction.atomic():
                filed["first"] = _file(api_as, world.corporatie, "HUUR-1", subject__surname="Jansen-de Vries")
                first_filed.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    def file_second() -> None:
        try:
            first_filed.wait(timeout=10)
            filed["second"] = _file(
                api_as,
                world.energie,
                "E-1",
                signal_type="energy_arrears",
                subject__surname="Jansen",
                **OTHER_ADDRESS,
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=file_first), threading.Thread(target=file_second)]
    for thread in threads:
        thread.start()
    assert first_filed.wait(timeout=10)
    time.sleep(0.5)  # time enough for the second filing to finish, were it not waiting
    assert "second" not in filed
    release.set()
    for thread in threads:
        thread.join(timeout=20)

    first, second = filed["first"], filed["second"]
    assert first.case_id != second.case_id
    assert _matches(api_as, world.triage, first.case_id) == [_entry(second.case)]
