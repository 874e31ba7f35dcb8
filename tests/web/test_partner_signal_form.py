"""The partner's signal form: the API's names, its validation, its service."""

from __future__ import annotations

import re
from typing import Any

import pytest

from audit.models import AccessEvent
from signals.models import Signal

URL = "/signalen/nieuw/"

VALID: dict[str, Any] = {
    "signal_type": "rent_arrears",
    "partner_reference": "HUUR-2026-0001",
    "subject_initials": "A.",
    "subject_given_names": "Anna",
    "subject_surname": "Jansen-de Vries",
    "subject_date_of_birth": "1984-03-12",
    "subject_postcode": "1012 ab",
    "subject_house_number": "12",
    "arrears_amount": "850,00",
    "arrears_since": "2026-08-01",
    "threat": "eviction",
    "children_in_household": "unknown",
    "note": "Huurder reageert niet op brieven.",
}
INPUT_NAMES = [
    "signal_type",
    "partner_reference",
    "subject_bsn",
    "subject_initials",
    "subject_given_names",
    "subject_surname_prefix",
    "subject_surname",
    "subject_date_of_birth",
    "subject_postcode",
    "subject_house_number",
    "subject_house_number_addition",
    "subject_street",
    "subject_city",
    "subject_phone",
    "subject_email",
    "arrears_amount",
    "arrears_since",
    "threat",
    "children_in_household",
    "note",
    "consent_given",
]


def post(client, **changes: Any):
    data = {**VALID, **changes}
    return client.post(URL, {k: v for k, v in data.items() if v is not None})


def test_the_form_has_the_apis_field_names_each_with_a_label(world, web_as):
    html = web_as(world.huisarts).get(URL).content.decode()

    for name in INPUT_NAMES:
        assert f'name="{name}"' in html, name
        assert f'<label for="signal-{name}"' in html or f'for="signal-{name}"' in html, name


def test_a_valid_signal_is_filed_and_the_confirmation_shows_its_reference(world, web_as):
    client = web_as(world.corporatie)

    response = post(client)

    signal = Signal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/signalen/{signal.pk}/"
    assert signal.filed_by == world.corporatie
    assert signal.surname == "Jansen-de Vries"
    assert str(signal.arrears_amount) == "850.00"  # Dutch decimal comma understood
    assert signal.postcode == "1012AB"
    confirmation = client.get(response["Location"]).content.decode()
    assert signal.reference in confirmation
    assert "Uw signaal is ontvangen" in confirmation
    assert AccessEvent.objects.filter(action="signal.create", object_id=str(signal.pk)).count() == 1


def test_bad_input_shows_an_error_at_each_field_and_stores_nothing(world, web_as):
    response = post(
        web_as(world.corporatie),
        subject_bsn="123456789",
        subject_date_of_birth="2999-01-01",
        subject_postcode="XYZ",
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="signal-subject_bsn-error"' in html and "elfproef" in html
    assert 'id="signal-subject_date_of_birth-error"' in html and "toekomst" in html
    assert 'id="signal-subject_postcode-error"' in html
    match = re.search(r'<input[^>]*name="subject_bsn"[^>]*>', html)
    assert match is not None
    bsn_input = match[0]
    assert 'aria-invalid="true"' in bsn_input
    assert "signal-subject_bsn-error" in bsn_input
    assert 'value="123456789"' in bsn_input
    assert 'href="#signal-subject_bsn"' in html  # the summary links to the field
    assert Signal.objects.count() == 0


def test_the_messages_are_the_apis(world, web_as, api_as):
    from tests.signals.payloads import signal

    api = api_as(world.corporatie).post("/api/v1/signals/", signal(subject__bsn="123456789"), format="json")
    web = post(web_as(world.corporatie), subject_bsn="123456789")

    assert api.json()["subject"]["bsn"][0] in web.content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"signal_type": "gp_observation"}, "consent_given"),
        ({"arrears_amount": ""}, "arrears_amount"),
        ({"subject_surname": ""}, "subject_surname"),
        ({"signal_type": ""}, "signal_type"),
        ({"partner_reference": ""}, "partner_reference"),
    ],
)
def test_rules_per_signal_type_and_required_fields(world, web_as, changes, field):
    actor = world.huisarts if changes.get("signal_type") == "gp_observation" else world.corporatie
    response = post(web_as(actor), **changes)

    assert response.status_code == 400
    assert f'id="signal-{field}-error"' in response.content.decode()
    assert Signal.objects.count() == 0


def test_an_observation_with_consent_is_filed(world, web_as):
    response = post(
        web_as(world.huisarts), signal_type="gp_observation", consent_given="true", arrears_amount=""
    )

    assert response.status_code == 302
    assert Signal.objects.get().consent_given is True


def test_the_same_form_sent_twice_files_one_signal(world, web_as):
    client = web_as(world.corporatie)

    first = post(client, idempotency_key="form-1")
    second = post(client, idempotency_key="form-1")

    assert Signal.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert "al ontvangen" in client.get(second["Location"]).content.decode()


@pytest.mark.parametrize("actor", ["triage", "coordinator_noord", "auditor", "beheer"])
def test_only_partners_file_signals(world, web_as, actor):
    client = web_as(getattr(world, actor))

    assert client.get(URL).status_code == 403
    assert post(client).status_code == 403
    assert Signal.objects.count() == 0
    assert AccessEvent.objects.filter(event_type="denied", action=f"POST {URL}").count() == 1


def test_the_form_works_in_english(world, web_as):
    client = web_as(world.corporatie)
    client.post("/i18n/setlang/", {"language": "en", "next": URL})

    response = post(client, subject_bsn="123456789")

    html = response.content.decode()
    assert "New signal" in html
    assert "This is not a valid BSN (eleven test)." in html
