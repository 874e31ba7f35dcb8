"""The signal form offers only the types the partner's organisation may file, and the
form shows every error at once."""

from __future__ import annotations

import re

from signals.models import Signal

FORM = "/signalen/nieuw/"


def type_options(html: str) -> list[str]:
    select = re.search(r'<select[^>]*name="signal_type".*?</select>', html, re.S)
    assert select is not None
    return re.findall(r'<option value="([a-z_]+)"', select[0])


def test_the_form_offers_a_gp_only_gp_observations_and_refuses_rent_arrears(world, web_as):
    client = web_as(world.huisarts)

    html = client.get(FORM).content.decode()
    offered = type_options(html)
    posted = client.post(
        FORM,
        {
            "signal_type": "rent_arrears",
            "partner_reference": "X-1",
            "subject_surname": "Jansen",
            "subject_date_of_birth": "1980-01-01",
            "arrears_amount": "850,00",
        },
    )

    assert offered == ["gp_observation"]
    assert posted.status_code == 400
    assert (
        "Uw organisatie mag geen signaalsoort &#x27;rent_arrears&#x27; doorgeven" in posted.content.decode()
    )
    assert Signal.objects.count() == 0


def test_every_error_shows_at_once_also_the_missing_consent(world, web_as):
    response = web_as(world.huisarts).post(
        FORM,
        {
            "signal_type": "gp_observation",
            "partner_reference": "",
            "subject_bsn": "123456789",
            "subject_surname": "",
            "subject_date_of_birth": "2999-01-01",
            "subject_postcode": "XYZ",
            "subject_house_number": "12",
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    for field in (
        "partner_reference",
        "subject_bsn",
        "subject_surname",
        "subject_date_of_birth",
        "subject_postcode",
        "consent_given",
    ):
        assert f'id="signal-{field}-error"' in html, field
    assert "Voor dit soort signaal is toestemming van de bewoner nodig." in html
    assert Signal.objects.count() == 0


def test_a_housing_corporation_sees_rent_arrears_chosen_already(world, web_as):
    html = web_as(world.corporatie).get(FORM).content.decode()

    assert type_options(html) == ["rent_arrears"]
    assert re.search(r'<option value="rent_arrears"[^>]*selected', html)
