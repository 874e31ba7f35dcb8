"""The partner's form: a reference already used for another signal is refused at the field."""

from __future__ import annotations

import re

from signals.models import Signal

from .test_partner_signal_form import post

ANOTHER_PERSON = {
    "subject_surname": "Bakker",
    "subject_given_names": "Piet",
    "subject_initials": "P.",
    "subject_date_of_birth": "1971-11-02",
    "subject_postcode": "1055 XK",
    "subject_house_number": "3",
}


def test_a_reference_used_for_another_person_shows_an_error_at_the_field(world, web_as):
    client = web_as(world.corporatie)
    post(client, partner_reference="HA-2026-0042", idempotency_key="form-1")
    earlier = Signal.objects.get()

    response = post(client, partner_reference="HA-2026-0042", idempotency_key="form-2", **ANOTHER_PERSON)

    assert response.status_code == 409
    html = response.content.decode()
    error = re.search(r'<p class="field__error" id="signal-partner_reference-error">(.*?)</p>', html, re.S)
    assert error is not None
    assert earlier.reference in error[1]
    reference_input = re.search(r'<input[^>]*name="partner_reference"[^>]*>', html)
    assert reference_input is not None and 'aria-invalid="true"' in reference_input[0]
    assert 'value="Bakker"' in html  # what was typed stays in the form
    assert "geen tweede gemaakt" not in html
    assert Signal.objects.count() == 1
    assert "geen tweede gemaakt" not in client.get("/signalen/").content.decode()


def test_the_same_form_sent_again_with_another_person_is_refused_then_can_be_filed(world, web_as):
    client = web_as(world.corporatie)
    post(client, idempotency_key="form-1")
    earlier = Signal.objects.get()

    refused = post(client, idempotency_key="form-1", partner_reference="HA-2026-0043", **ANOTHER_PERSON)

    assert refused.status_code == 409
    html = refused.content.decode()
    assert earlier.reference in html
    assert Signal.objects.count() == 1
    fresh_key = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert fresh_key is not None and fresh_key[1] != "form-1"

    filed = post(client, idempotency_key=fresh_key[1], partner_reference="HA-2026-0043", **ANOTHER_PERSON)

    assert filed.status_code == 302
    assert Signal.objects.count() == 2
    assert "Uw signaal is ontvangen" in client.get(filed["Location"]).content.decode()
