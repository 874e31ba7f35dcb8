"""Bulk files as partners make them: the same batch as an Excel workbook, as a Dutch
semicolon CSV in Windows-1252 and as UTF-8 CSV with a byte-order mark files the same
signals; refused lines come back as errors.csv, named by line and column."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coordination.models import Organisation, Role
from signals.models import BulkRowError, BulkUpload, Signal
from tests.factories import OrganisationFactory, UserFactory

URL = "/api/v1/signals/bulk/"
ROWS = 2000

API_COLUMNS = [
    "signal_type",
    "partner_reference",
    "subject_surname_prefix",
    "subject_surname",
    "subject_given_names",
    "subject_date_of_birth",
    "subject_postcode",
    "subject_house_number",
    "subject_city",
    "arrears_amount",
    "arrears_since",
    "threat",
    "children_in_household",
]
# How a housing corporation's Excel export names the same columns.
DUTCH_COLUMNS = [
    "Soort signaal",
    "Kenmerk",
    "Tussenvoegsel",
    "Achternaam",
    "Voornamen",
    "Geboortedatum",
    "Postcode",
    "Huisnummer",
    "Woonplaats",
    "Bedrag achterstand",
    "Achterstand sinds",
    "Dreiging",
    "Kinderen",
]
SURNAMES = ["Jansen-Béringer", "Ünal", "Hoff", "Dijkstra", "Çelik", "Müller", "Vries"]
PREFIXES = ["", "", "van 't", "", "", "", "de"]
CITIES = ["Amsterdam", "Zaandam", "Ouder-Amstel", "Diemen"]


def person(n: int) -> dict:
    return {
        "signal_type": "rent_arrears",
        "partner_reference": f"HUUR-{n:05d}",
        "subject_surname_prefix": PREFIXES[n % len(PREFIXES)],
        "subject_surname": f"{SURNAMES[n % len(SURNAMES)]}{n}",
        "subject_given_names": "Zoë" if n % 3 else "Anne-Marie",
        "subject_date_of_birth": datetime.date(1940 + n % 60, 1 + n % 12, 1 + n % 28),
        "subject_postcode": f"{1000 + n % 100} A{chr(65 + n % 26)}",
        "subject_house_number": str(1 + n % 300),
        "subject_city": CITIES[n % len(CITIES)],
        "arrears_amount": Decimal(100 + n * 7) + Decimal(n % 100) / 100,
        "arrears_since": datetime.date(2026, 1 + n % 9, 1 + n % 28),
        "threat": "eviction" if n % 20 == 0 else "none",
        "children_in_household": ["yes", "no", "unknown"][n % 3],
    }


def dutch_amount(value: Decimal) -> str:
    whole, cents = f"{value:.2f}".split(".")
    return f"{int(whole):,}".replace(",", ".") + "," + cents


DUTCH_WORDS = {"eviction": "huisuitzetting", "none": "geen", "yes": "ja", "no": "nee", "unknown": "onbekend"}


def dutch_csv(rows: list[dict]) -> bytes:
    """Semicolons, Windows-1252, Dutch headers, amounts with thousands dots and a decimal
    comma, dates as dd-mm-jjjj, Dutch words for the codes: as Excel saves it in the Netherlands."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(DUTCH_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row["signal_type"],
                row["partner_reference"],
                row["subject_surname_prefix"],
                row["subject_surname"],
                row["subject_given_names"],
                row["subject_date_of_birth"].strftime("%d-%m-%Y"),
                row["subject_postcode"],
                row["subject_house_number"],
                row["subject_city"],
                dutch_amount(row["arrears_amount"]),
                row["arrears_since"].strftime("%d-%m-%Y"),
                DUTCH_WORDS[row["threat"]],
                DUTCH_WORDS[row["children_in_household"]],
            ]
        )
    return out.getvalue().encode("cp1252")


def api_csv_with_bom(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=API_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in row.items()})
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def workbook(rows: list[dict]) -> bytes:
    """As Excel keeps it: real dates and numbers in the cells, Dutch headers."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Achterstanden")
    sheet.append(DUTCH_COLUMNS)
    for row in rows:
        values = [row[column] for column in API_COLUMNS]
        values[API_COLUMNS.index("arrears_amount")] = float(row["arrears_amount"])
        values[API_COLUMNS.index("subject_house_number")] = int(row["subject_house_number"])
        sheet.append([None if value == "" else value for value in values])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, capture, content: bytes, name: str) -> dict:
    with capture(execute=True):
        response = client.post(URL, {"file": SimpleUploadedFile(name, content)}, format="multipart")
    assert response.status_code == 202, response.content
    return client.get(f"{URL}{response.json()['id']}/").json()


def filed(organisation: Organisation) -> set[tuple]:
    """What was filed, decrypted, per signal: every field the file carried."""
    return {
        (
            s.signal_type.code,
            s.partner_reference,
            s.surname_prefix or "",
            s.surname,
            s.given_names,
            s.date_of_birth,
            s.postcode,
            s.house_number,
            s.city,
            s.arrears_amount,
            s.arrears_since,
            s.threat,
            s.children_in_household,
        )
        for s in Signal.objects.filter(organisation=organisation).select_related("signal_type")
    }


def housing_partner(name: str):
    org = OrganisationFactory.create(name=name, kind=Organisation.Kind.HOUSING)
    return org, UserFactory.create(
        username=name.lower().replace(" ", "-"), organisation=org, roles=[Role.PARTNER]
    )


@pytest.mark.slow
def test_the_same_rows_as_xlsx_dutch_csv_and_utf8_csv_file_the_same_signals(
    world, api_as, django_capture_on_commit_callbacks
):
    rows = [person(n) for n in range(ROWS)]
    files = {
        "xlsx": ("achterstanden.xlsx", workbook(rows)),
        "windows-1252": ("achterstanden.csv", dutch_csv(rows)),
        "utf-8 bom": ("achterstanden.csv", api_csv_with_bom(rows)),
    }
    expected = {
        (
            r["signal_type"],
            r["partner_reference"],
            r["subject_surname_prefix"],
            r["subject_surname"],
            r["subject_given_names"],
            r["subject_date_of_birth"],
            r["subject_postcode"].replace(" ", ""),
            r["subject_house_number"],
            r["subject_city"],
            r["arrears_amount"],
            r["arrears_since"],
            r["threat"],
            r["children_in_household"],
        )
        for r in rows
    }
    for label, (name, content) in files.items():
        org, clerk = housing_partner(f"Corporatie {label}")
        progress = upload(api_as(clerk), django_capture_on_commit_callbacks, content, name)

        assert progress["state"] == "done", (label, progress["failure"])
        assert (progress["total"], progress["accepted"], progress["rejected"]) == (ROWS, ROWS, 0), (
            label,
            progress["errors"][:3],
        )
        assert filed(org) == expected, label
    formats = set(BulkUpload.objects.values_list("format", "encoding"))
    assert formats == {("xlsx", ""), ("csv", "cp1252"), ("csv", "utf-8-sig")}


BAD_FILE = (
    "Soort signaal;Kenmerk;Achternaam;Geboortedatum;Postcode;Huisnummer;"
    "Bedrag achterstand;Achterstand sinds\r\n"
    "rent_arrears;R-1;Jansen;12-03-1984;1012 AB;12;1.234,56;01-06-2026\r\n"
    "huurachterstand;R-2;Bakker;01-01-1970;1012 AB;14;850,00;01-06-2026\r\n"
    "rent_arrears;R-3;de Wit;31-02-1980;1013 CD;3;850,00;31-02-2026\r\n"
    "rent_arrears;R-4;Smit;05-05-1975;1013 CD;5;twaalf euro;01-06-2026\r\n"
    "rent_arrears;R-5;;05-05-1975;1013 CD;7;12,50;01-06-2026\r\n"
    "gp_observation;R-6;Visser;05-05-1975;1013 CD;9;;\r\n"
)


def test_a_file_with_bad_lines_gives_an_errors_csv_that_names_each_line(
    world, api_as, django_capture_on_commit_callbacks
):
    client = api_as(world.corporatie)
    progress = upload(client, django_capture_on_commit_callbacks, BAD_FILE.encode("cp1252"), "maand.csv")
    assert (progress["accepted"], progress["rejected"]) == (1, 5)

    response = client.get(f"{URL}{progress['id']}/errors.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="geweigerde-regels.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert lines[0] == ["regel", "kolom", "melding"]
    found = {(int(line), column): message for line, column, message in lines[1:]}
    assert set(found) == {
        (3, "Soort signaal"),
        (4, "Geboortedatum"),
        (4, "Achterstand sinds"),
        (5, "Bedrag achterstand"),
        (6, "Achternaam"),
        (7, "Soort signaal"),
    }
    assert (
        found[(3, "Soort signaal")] == "Onbekende signaalsoort 'huurachterstand'. Kies een van: rent_arrears."
    )
    assert found[(4, "Achterstand sinds")] == "Datum '31-02-2026' bestaat niet."
    assert found[(4, "Geboortedatum")] == "Deze datum bestaat niet."  # a date of birth is never quoted
    assert found[(5, "Bedrag achterstand")] == "Dit is geen bedrag. Schrijf het als 1234,56 of 1.234,56."
    assert found[(6, "Achternaam")] == "Vul dit veld in."
    assert found[(7, "Soort signaal")] == (
        "Uw organisatie mag geen signaalsoort 'gp_observation' doorgeven. Kies een van: rent_arrears."
    )
    for value in ("Jansen", "Bakker", "de Wit", "Smit", "Visser", "31-02-1980", "05-05-1975", "twaalf"):
        assert value not in text
    assert set(BulkRowError.objects.values_list("field", flat=True)) >= {
        "subject_date_of_birth",
        "arrears_since",
    }
    # The amount with thousands dots and a decimal comma was read as such.
    assert Signal.objects.get().arrears_amount == Decimal("1234.56")


def test_errors_csv_is_the_organisations_own(world, api_as, django_capture_on_commit_callbacks):
    progress = upload(
        api_as(world.corporatie), django_capture_on_commit_callbacks, BAD_FILE.encode("cp1252"), "m.csv"
    )

    assert api_as(world.huisarts).get(f"{URL}{progress['id']}/errors.csv").status_code == 404
    assert api_as(world.triage).get(f"{URL}{progress['id']}/errors.csv").status_code == 403


def test_row_errors_are_written_in_the_language_of_the_upload(
    world, api_as, django_capture_on_commit_callbacks
):
    client = api_as(world.corporatie)
    content = (
        b"signal_type,partner_reference,subject_surname,subject_bsn,subject_date_of_birth,arrears_amount\n"
        b"rent_arrears,E-1,Jansen,123456789,1980-01-01,10\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL, {"file": SimpleUploadedFile("m.csv", content)}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
        )
    upload_id = response.json()["id"]

    assert BulkUpload.objects.get(pk=upload_id).language == "en"
    [error] = client.get(f"{URL}{upload_id}/").json()["errors"]
    assert error == {
        "row": 2,
        "field": "subject_bsn",
        "column": "subject_bsn",
        "message": "This is not a valid BSN (eleven test).",
    }


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "maand.xlsx",
            b"PK\x03\x04 this is no workbook",
            "Het bestand is geen leesbaar Excel-bestand (.xlsx). Sla het opnieuw op als .xlsx of als CSV.",
        ),
        ("leeg.csv", b"", "Het bestand is leeg."),
        (
            "dubbel.csv",
            b"achternaam;subject_surname\nJansen;Jansen\n",
            "Kolom 1 en kolom 2 zijn allebei subject_surname; laat er een staan.",
        ),
    ],
)
def test_a_file_that_cannot_be_read_says_why_in_one_sentence(
    world, api_as, django_capture_on_commit_callbacks, name, content, reason
):
    progress = upload(api_as(world.corporatie), django_capture_on_commit_callbacks, content, name)

    assert progress["state"] == "failed"
    assert progress["failure"].replace("één", "een") == reason
    assert Signal.objects.count() == 0


def test_an_old_excel_file_is_refused_at_once(world, api_as):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100

    response = api_as(world.corporatie).post(
        URL, {"file": SimpleUploadedFile("maand.xls", ole)}, format="multipart"
    )

    assert response.status_code == 400
    assert "sla het op als Excel-werkmap (.xlsx" in response.json()["file"][0]
    assert BulkUpload.objects.count() == 0


@pytest.mark.parametrize("in_memory", [True, False], ids=["calamine", "openpyxl"])
def test_an_xlsx_is_read_once_and_its_rows_file_is_sealed_and_removed(
    world, api_as, django_capture_on_commit_callbacks, settings, tmp_path, in_memory
):
    settings.BULK_XLSX_IN_MEMORY_BYTES = 1 << 30 if in_memory else 0
    settings.BULK_UPLOAD_DIR = str(tmp_path)
    settings.BULK_PART_ROWS = 7  # several parts, each starting further into the rows file
    rows = [person(n) for n in range(30)]
    rows[11]["subject_postcode"] = "XYZ"

    progress = upload(api_as(world.corporatie), django_capture_on_commit_callbacks, workbook(rows), "m.xlsx")

    assert (progress["accepted"], progress["rejected"]) == (29, 1)
    assert [(e["row"], e["column"]) for e in progress["errors"]] == [(13, "Postcode")]
    assert list(tmp_path.iterdir()) == []  # the sealed file and its rows file are gone
