"""A partner cannot learn from filing whether a household is already known.

A housing corporation that files about a tenant whose case is in progress
gets the same receipt as for a household nobody knows: ``received``, through
the API, the web form and a bulk file. The signal follows the case only from
the case's next event on.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from signals.models import Signal
from tests.cases.flow import advance, file_case, step
from tests.signals.payloads import signal

URL = "/api/v1/signals/"
# The household of tests.signals.payloads.BASE, written as a partner's form and file would.
KNOWN = {
    "subject_surname": "Jansen-de Vries",
    "subject_given_names": "Anna",
    "subject_date_of_birth": "1984-03-12",
    "subject_postcode": "1012 AB",
    "subject_house_number": "12",
}


@pytest.fixture
def known_case(world, api_as) -> str:
    """The household of the base payload, with a case that a lead professional is working."""
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")
    assert api_as(world.corporatie).get(URL).json()["results"][0]["status"] == "picked_up"
    return case_id


def _status(api_as, user, signal_id: object) -> str:
    response = api_as(user).get(f"{URL}{signal_id}/")
    assert response.status_code == 200
    return str(response.json()["status"])


def test_an_api_receipt_for_a_known_household_says_received(world, api_as, known_case):
    response = api_as(world.energie).post(
        URL, signal(signal_type="energy_arrears", partner_reference="E-1"), format="json"
    )

    assert response.status_code == 201
    assert response.json()["status"] == "received"
    filed = Signal.objects.get(pk=response.json()["id"])
    assert str(filed.case_id) == known_case  # it did join the household's case
    assert _status(api_as, world.energie, filed.pk) == "received"
    # The same answer as for a household nobody knows.
    unknown = api_as(world.energie).post(
        URL,
        signal(signal_type="energy_arrears", partner_reference="E-2", subject__surname="Onbekend"),
        format="json",
    )
    assert set(unknown.json()) == set(response.json())
    assert unknown.json()["status"] == response.json()["status"]


def test_a_web_form_receipt_for_a_known_household_says_received(world, known_case):
    client = Client()
    client.force_login(world.energie)
    form = {
        "signal_type": "energy_arrears",
        "partner_reference": "E-FORM-1",
        "arrears_amount": "300,00",
        "threat": "none",
        "children_in_household": "unknown",
        **KNOWN,
    }

    response = client.post("/signalen/nieuw/", form)

    assert response.status_code == 302
    filed = Signal.objects.get(filed_by=world.energie)
    assert str(filed.case_id) == known_case
    assert filed.status == "received"
    receipt = client.get(response["Location"]).content.decode()
    assert "badge--received" in receipt
    assert "badge--picked_up" not in receipt


def test_a_bulk_file_for_known_households_says_received(
    world, api_as, known_case, django_capture_on_commit_callbacks
):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["signal_type", "partner_reference", "arrears_amount", *KNOWN])
    writer.writeheader()
    writer.writerow(
        {"signal_type": "rent_arrears", "partner_reference": "BULK-1", "arrears_amount": "450", **KNOWN}
    )
    client = api_as(world.corporatie)
    before = set(Signal.objects.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/signals/bulk/",
            {"file": SimpleUploadedFile("maand.csv", out.getvalue().encode())},
            format="multipart",
        )

    assert response.status_code == 202
    assert client.get(f"/api/v1/signals/bulk/{response.json()['id']}/").json()["accepted"] == 1
    filed = Signal.objects.exclude(pk__in=before).get()
    assert str(filed.case_id) == known_case
    assert _status(api_as, world.corporatie, filed.pk) == "received"


def test_the_status_follows_the_case_only_after_the_next_event(world, api_as, known_case):
    response = api_as(world.energie).post(
        URL, signal(signal_type="energy_arrears", partner_reference="E-1"), format="json"
    )
    signal_id = response.json()["id"]
    assert _status(api_as, world.energie, signal_id) == "received"

    step(api_as, world.professional_noord, known_case, "close", outcome="referral_financial")

    assert _status(api_as, world.energie, signal_id) == "help_accepted"
