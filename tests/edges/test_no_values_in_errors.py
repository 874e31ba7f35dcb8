"""Error texts name the line, the field and what is wrong, never the refused value."""

from __future__ import annotations

import csv
import io
import json

from django.test import Client

from signals.models import BulkRowError, Signal
from tests.signals.test_bulk_intake import COLUMNS, csv_file, row, upload

BSN = "111222333"


def _csv(rows: list[dict[str, str]]) -> bytes:
    columns = [*COLUMNS, "children_in_household"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, restval="unknown")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _shifted_row() -> dict[str, str]:
    # A row whose values slid into the wrong columns: the BSN stands under signal_type,
    # the surname under threat, a date of birth under the amount, a given name under children.
    data = row(1)
    data.update(
        signal_type=BSN,
        threat="Jansen-de Vries",
        arrears_amount="12-03-1984",
        children_in_household="Anna",
    )
    return data


def test_a_bsn_in_a_shifted_column_does_not_appear_in_the_error_text(
    world, api_as, django_capture_on_commit_callbacks
):
    progress = upload(
        api_as(world.corporatie), django_capture_on_commit_callbacks, _csv([row(0), _shifted_row()])
    )

    assert progress["accepted"] == 1 and progress["rejected"] == 1
    errors = {error["field"]: error for error in progress["errors"]}
    assert set(errors) >= {"signal_type", "threat", "arrears_amount", "children_in_household"}
    assert all(error["row"] == 3 for error in errors.values())
    everything = json.dumps(progress) + " ".join(BulkRowError.objects.values_list("message", flat=True))
    for value in (BSN, "Jansen-de Vries", "12-03-1984", "Anna"):
        assert value not in everything
    assert errors["signal_type"]["message"] == "Onbekende signaalsoort. Kies een van: rent_arrears."
    assert errors["threat"]["message"] == "Kies een van: none, eviction, disconnection, end_of_supply."


def test_a_csv_without_a_header_does_not_store_its_first_line(
    world, api_as, django_capture_on_commit_callbacks
):
    first = row(0)
    first["subject_bsn"] = BSN
    content = csv_file([first, row(1)]).split(b"\n", 1)[1]  # the header dropped: a line of data comes first

    progress = upload(api_as(world.corporatie), django_capture_on_commit_callbacks, content)

    assert progress["state"] == "failed"
    assert progress["failure"].startswith("Regel 1 moet de kop met kolomnamen zijn.")
    assert "Onbekende kolomnaam in kolom: 1, 2, 3" in progress["failure"]
    for value in (BSN, "Huurder0", "BATCH-000000", "Sam"):
        assert value not in progress["failure"]
    assert not Signal.objects.exists()


def test_the_api_refuses_a_value_without_repeating_it(world, api_as):
    response = api_as(world.corporatie).post(
        "/api/v1/signals/",
        {
            "signal_type": BSN,
            "partner_reference": "R-1",
            "threat": "Jansen",
            "subject": {"surname": "Jansen", "date_of_birth": "1980-01-01"},
        },
        format="json",
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert BSN not in body and "Jansen" not in body
    assert set(response.json()) >= {"signal_type", "threat"}


def test_the_page_form_refuses_a_value_without_repeating_it(world):
    client = Client()
    client.force_login(world.corporatie)

    response = client.post(
        "/signalen/nieuw/",
        {"signal_type": BSN, "partner_reference": "R-1", "threat": "Jansen", "subject_surname": "Pietersen"},
    )

    html = response.content.decode()
    assert response.status_code in (200, 400)
    assert BSN not in html
    assert "Jansen" not in html
