"""Templates to start a bulk file from: the columns, one example row of a type the
organisation may file; the example row itself is never filed."""

from __future__ import annotations

import csv
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from signals.models import Signal
from signals.tabular import EXAMPLE_REFERENCE

BULK = "/api/v1/signals/bulk/"


def test_the_csv_template_has_the_columns_and_an_example_of_the_organisations_type(world, api_as):
    housing = api_as(world.corporatie).get(f"{BULK}template.csv")
    gp = api_as(world.huisarts).get(f"{BULK}template.csv")

    assert housing.status_code == 200
    assert housing["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="sjabloon-signalen.csv"' in housing["Content-Disposition"]
    header, example = list(csv.reader(io.StringIO(housing.content.decode("utf-8-sig")), delimiter=";"))
    row = dict(zip(header, example, strict=True))
    assert header[:3] == ["signal_type", "partner_reference", "subject_bsn"]
    assert (row["signal_type"], row["arrears_amount"], row["subject_date_of_birth"]) == (
        "rent_arrears",
        "1.234,56",
        "12-03-1984",
    )
    gp_row = dict(zip(*csv.reader(io.StringIO(gp.content.decode("utf-8-sig")), delimiter=";"), strict=True))
    assert (gp_row["signal_type"], gp_row["consent_given"], gp_row["arrears_amount"]) == (
        "gp_observation",
        "true",
        "",
    )


def test_the_xlsx_template_explains_the_columns_and_lists_the_allowed_types(world, api_as):
    response = api_as(world.energie).get(f"{BULK}template.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    signals, guide = book.worksheets
    header, example = ([cell.value for cell in row] for row in signals.iter_rows(max_row=2))
    assert example[header.index("signal_type")] in ("energy_arrears", "energy_end_of_supply")
    assert example[header.index("partner_reference")] == EXAMPLE_REFERENCE
    listed = {row[0] for row in guide.iter_rows(values_only=True) if row}
    assert {"energy_arrears", "energy_end_of_supply"} <= listed
    assert "rent_arrears" not in listed
    assert ("subject_surname", "achternaam") in {(r[0], r[1]) for r in guide.iter_rows(values_only=True) if r}


def test_a_filled_in_template_is_filed_and_the_untouched_example_row_is_not(
    world, api_as, django_capture_on_commit_callbacks
):
    client = api_as(world.corporatie)
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"{BULK}template.xlsx").content))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    filled = [cell.value for cell in sheet[2]]
    filled[header.index("partner_reference")] = "HUUR-2026-11-001"
    sheet.append(filled)
    out = io.BytesIO()
    book.save(out)

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(BULK, {"file": SimpleUploadedFile("ingevuld.xlsx", out.getvalue())})
    progress = client.get(f"{BULK}{answer.json()['id']}/").json()

    assert (progress["accepted"], progress["rejected"]) == (1, 1)
    assert progress["errors"][0]["row"] == 2
    assert progress["errors"][0]["message"] == "Dit is de voorbeeldregel uit het sjabloon; haal hem weg."
    assert Signal.objects.get().partner_reference == "HUUR-2026-11-001"


def test_the_upload_page_links_to_both_templates(world, client):
    client.force_login(world.corporatie)

    html = client.get("/signalen/bulk/").content.decode()

    assert 'href="/api/v1/signals/bulk/template.xlsx"' in html
    assert 'href="/api/v1/signals/bulk/template.csv"' in html
    assert "<code>subject_surname</code> (<code>achternaam</code>)" in html
