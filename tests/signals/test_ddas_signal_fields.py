"""A signal's DDAS facts: crisis, warm handover and the day the partner sent it,
through the API, the web form, a bulk file (with Dutch headers) and the intake schema."""

from __future__ import annotations

import datetime
import zoneinfo

import jsonschema
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from signals.intake_schema import signal_schema
from signals.models import Signal
from tests.signals.payloads import signal

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2026, 10, 5, 0, 30, tzinfo=AMS)  # just past midnight: the local day counts


def _file(api_as, user, **changes):
    return api_as(user).post("/api/v1/signals/", signal(**changes), format="json")


def test_the_api_stores_crisis_handover_and_signal_date(world, api_as):
    with time_machine.travel(NOW, tick=False):
        response = _file(api_as, world.corporatie, crisis=True, warm_handover=True, signal_date="2026-10-01")
        assert response.status_code == 201, response.content
        default = _file(api_as, world.corporatie, partner_reference="HUUR-2")
        assert default.status_code == 201
    stored = Signal.objects.get(pk=response.json()["id"])
    assert (stored.crisis, stored.warm_handover, stored.signal_date) == (
        True,
        True,
        datetime.date(2026, 10, 1),
    )
    plain = Signal.objects.get(pk=default.json()["id"])
    # Not given: the day it was received, in the municipality's time zone.
    assert (plain.crisis, plain.warm_handover, plain.signal_date) == (
        False,
        False,
        datetime.date(2026, 10, 5),
    )


def test_a_signal_date_in_the_future_is_refused(world, api_as):
    with time_machine.travel(NOW, tick=False):
        response = _file(api_as, world.corporatie, signal_date="2026-10-06")
    assert response.status_code == 400
    assert "signal_date" in response.json()
    assert not Signal.objects.exists()


def test_the_web_form_posts_the_same_fields(world):
    client = Client()
    client.force_login(world.corporatie)
    page = client.get("/signalen/nieuw/").content.decode()
    for name in ("crisis", "warm_handover", "signal_date"):
        assert f'name="{name}"' in page
    form = {
        "signal_type": "rent_arrears",
        "partner_reference": "FORM-1",
        "subject_surname": "Jansen",
        "subject_date_of_birth": "1984-03-12",
        "arrears_amount": "850,00",
        "crisis": "true",
        "warm_handover": "true",
        "signal_date": "2026-10-02",
    }
    with time_machine.travel(NOW, tick=False):
        response = client.post("/signalen/nieuw/", form)
    assert response.status_code in (200, 302), response.content[:500]
    stored = Signal.objects.get()
    assert (stored.crisis, stored.warm_handover, stored.signal_date) == (
        True,
        True,
        datetime.date(2026, 10, 2),
    )


def test_a_bulk_file_takes_the_fields_under_dutch_headers(world, api_as, django_capture_on_commit_callbacks):
    content = (
        b"soort_signaal;kenmerk;achternaam;geboortedatum;bedrag_achterstand;crisissignaal;warme_overdracht;signaaldatum\n"
        b"rent_arrears;BULK-1;Jansen;12-03-1984;850,00;ja;nee;02-10-2026\n"
        b"rent_arrears;BULK-2;Pietersen;12-03-1985;850,00;nee;ja;\n"
    )
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = api_as(world.corporatie).post(
            "/api/v1/signals/bulk/", {"file": SimpleUploadedFile("maand.csv", content)}, format="multipart"
        )
    assert response.status_code == 202, response.content
    progress = api_as(world.corporatie).get(f"/api/v1/signals/bulk/{response.json()['id']}/").json()
    assert (progress["accepted"], progress["rejected"]) == (2, 0), (progress["failure"], progress["errors"])
    found = {s.partner_reference: s for s in Signal.objects.all()}
    assert (found["BULK-1"].crisis, found["BULK-1"].warm_handover) == (True, False)
    assert found["BULK-1"].signal_date == datetime.date(2026, 10, 2)
    assert (found["BULK-2"].crisis, found["BULK-2"].warm_handover) == (False, True)
    assert found["BULK-2"].signal_date == datetime.date(2026, 10, 5)


def test_the_intake_schema_describes_the_fields(world):
    schema = signal_schema()
    properties = schema["properties"]
    for name in ("crisis", "warm_handover", "signal_date"):
        assert name in properties
        assert name not in schema["required"]
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid(signal(crisis=True, warm_handover=False, signal_date="2026-10-01"))
    assert not validator.is_valid(signal(crisis="misschien"))
    assert not validator.is_valid(signal(signal_date="1 oktober"))
    assert "future" in properties["signal_date"]["description"]
