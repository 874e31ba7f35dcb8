"""Bulk intake: a housing corporation's monthly batch as CSV or JSON lines."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from signals.models import BulkUpload, Signal

URL = "/api/v1/signals/bulk/"
COLUMNS = [
    "signal_type",
    "partner_reference",
    "subject_surname",
    "subject_given_names",
    "subject_date_of_birth",
    "subject_postcode",
    "subject_house_number",
    "subject_bsn",
    "arrears_amount",
    "arrears_since",
    "threat",
    "note",
]


def row(n: int) -> dict[str, str]:
    return {
        "signal_type": "rent_arrears",
        "partner_reference": f"BATCH-{n:06d}",
        "subject_surname": f"Huurder{n}",
        "subject_given_names": "Sam",
        "subject_date_of_birth": f"{1940 + n % 60}-{1 + n % 12:02d}-{1 + n % 28:02d}",
        "subject_postcode": f"{1000 + n % 100} AB",
        "subject_house_number": str(1 + n % 300),
        "subject_bsn": "",
        "arrears_amount": "450.00",
        "arrears_since": "2026-06-01",
        "threat": "none",
        "note": f"Achterstand van huurder {n}",
    }


# One kind of mistake per bad row, and where it must be reported.
BAD = {
    "subject_bsn": "123456789",
    "subject_date_of_birth": "2999-01-01",
    "subject_postcode": "ABCD",
    "arrears_amount": "-10",
    "signal_type": "unknown_type",
}


def csv_file(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def batch(size: int, bad_every: int) -> tuple[bytes, dict[int, str]]:
    """A CSV of ``size`` rows with every ``bad_every``-th row broken; returns the bad line numbers."""
    rows, bad_lines = [], {}
    for n in range(size):
        data = row(n)
        if n % bad_every == bad_every - 1:
            field = list(BAD)[n % len(BAD)]
            data[field] = BAD[field]
            bad_lines[n + 2] = field  # line 1 is the header
        rows.append(data)
    return csv_file(rows), bad_lines


def upload(client, capture, content: bytes, name: str = "maand.csv") -> dict:
    """Upload, let the background processing run (eagerly, after commit), read the progress."""
    with capture(execute=True):
        response = client.post(URL, {"file": SimpleUploadedFile(name, content)}, format="multipart")
    assert response.status_code == 202, response.content
    progress = client.get(f"{URL}{response.json()['id']}/")
    assert progress.status_code == 200
    return progress.json()


def test_a_small_csv_is_filed_and_reported(world, api_as, django_capture_on_commit_callbacks):
    content, bad_lines = batch(40, bad_every=10)
    progress = upload(api_as(world.corporatie), django_capture_on_commit_callbacks, content)

    assert progress["state"] == "done"
    assert (progress["total"], progress["processed"]) == (40, 40)
    assert (progress["accepted"], progress["rejected"]) == (36, 4)
    reported = {e["row"]: e["field"] for e in progress["errors"]}
    assert reported == bad_lines
    assert all(e["message"] for e in progress["errors"])
    assert Signal.objects.count() == 36


def test_json_lines_with_nested_subject(world, api_as, django_capture_on_commit_callbacks):
    lines = [
        json.dumps(
            {
                "signal_type": "energy_arrears",
                "partner_reference": "E-1",
                "arrears_amount": "120",
                "subject": {"surname": "de Boer", "date_of_birth": "1975-02-03"},
            }
        ),
        "{not json",
        json.dumps(
            {
                "signal_type": "energy_arrears",
                "partner_reference": "E-2",
                "arrears_amount": "99",
                "subject_surname": "Smit",
                "subject_date_of_birth": "1980-01-01",
                "colour": "blue",
            }
        ),
    ]
    progress = upload(
        api_as(world.energie),
        django_capture_on_commit_callbacks,
        "\n".join(lines).encode(),
        name="batch.jsonl",
    )

    assert (progress["accepted"], progress["rejected"]) == (1, 2)
    assert {(e["row"], e["field"]) for e in progress["errors"]} == {(2, "row"), (3, "colour")}


def test_unknown_columns_fail_the_whole_file_with_a_clear_reason(
    world, api_as, django_capture_on_commit_callbacks
):
    content = b"signal_type,partner_reference,familienaam\nrent_arrears,X,Jansen\n"
    progress = upload(api_as(world.corporatie), django_capture_on_commit_callbacks, content)

    assert progress["state"] == "failed"
    assert "Onbekende kolomnaam in kolom: 3." in progress["failure"]
    assert "familienaam" not in progress["failure"] and "Jansen" not in progress["failure"]
    assert Signal.objects.count() == 0


def test_the_stored_file_is_sealed_and_removed_after_processing(world, api_as, settings, tmp_path):
    settings.BULK_UPLOAD_DIR = str(tmp_path)
    content = csv_file([row(1)])
    response = api_as(world.corporatie).post(
        URL, {"file": SimpleUploadedFile("m.csv", content)}, format="multipart"
    )
    [sealed] = list(Path(tmp_path).iterdir())  # on_commit not run yet: still waiting
    assert b"Huurder1" not in sealed.read_bytes()
    from signals.bulk import process_upload

    assert process_upload(response.json()["id"]).state == "done"
    assert list(Path(tmp_path).iterdir()) == []


def test_another_organisation_does_not_see_the_upload(world, api_as, django_capture_on_commit_callbacks):
    progress = upload(api_as(world.corporatie), django_capture_on_commit_callbacks, csv_file([row(1)]))

    assert api_as(world.huisarts).get(f"{URL}{progress['id']}/").status_code == 404
    assert api_as(world.triage).get(f"{URL}{progress['id']}/").status_code == 403


def test_a_missing_file_is_refused(world, api_as):
    response = api_as(world.corporatie).post(URL, {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()
    assert BulkUpload.objects.count() == 0


@pytest.mark.slow
def test_twenty_thousand_rows_with_one_percent_bad_and_uploaded_twice(
    world, api_as, django_capture_on_commit_callbacks
):
    content, bad_lines = batch(20_000, bad_every=100)
    client = api_as(world.corporatie)

    first = upload(client, django_capture_on_commit_callbacks, content)
    assert first["state"] == "done"
    assert (first["total"], first["accepted"], first["rejected"]) == (20_000, 19_800, 200)
    assert first["errors_pages"] == 2  # 100 refused rows per page
    following = client.get(first["errors_next"]).json()
    assert {e["row"]: e["field"] for e in first["errors"] + following["errors"]} == bad_lines
    assert Signal.objects.count() == 19_800
    assert Signal.objects.values("partner_reference_index").distinct().count() == 19_800

    second = upload(client, django_capture_on_commit_callbacks, content)
    assert (second["accepted"], second["already_filed"], second["rejected"]) == (0, 19_800, 200)
    assert Signal.objects.count() == 19_800


def test_rows_about_one_household_in_one_file_share_a_case_and_repeated_rows_file_once(
    world, api_as, django_capture_on_commit_callbacks
):
    first = row(1)
    same_household = {
        **row(2),
        "subject_surname": "HUURDER1",
        "subject_date_of_birth": first["subject_date_of_birth"],
        "subject_postcode": first["subject_postcode"],
        "subject_house_number": first["subject_house_number"],
    }
    repeated = dict(first)
    progress = upload(
        api_as(world.corporatie),
        django_capture_on_commit_callbacks,
        csv_file([first, same_household, repeated]),
    )

    assert (progress["accepted"], progress["already_filed"], progress["rejected"]) == (2, 1, 0)
    assert Signal.objects.count() == 2
    assert Signal.objects.values("case_id").distinct().count() == 1


def test_a_file_in_parts_is_filed_once_whatever_order_the_parts_run_in(
    world, api_as, settings, monkeypatch, tmp_path
):
    from signals import bulk
    from signals.models import BulkPart

    settings.BULK_PART_ROWS = 7
    settings.BULK_UPLOAD_DIR = str(tmp_path)
    started: list[int] = []
    monkeypatch.setattr(bulk, "_start_part", started.append)  # the workers, held back
    rows = [row(n) for n in range(1, 31)]
    rows[3]["subject_postcode"] = "ABCD"  # line 5
    rows[20] = {**rows[2], "partner_reference": "BATCH-REPEAT"}  # rows 3 and 21: one household
    rows[27] = dict(rows[10])  # the same reference again, in another part
    response = api_as(world.corporatie).post(
        URL, {"file": SimpleUploadedFile("maand.csv", csv_file(rows))}, format="multipart"
    )
    upload_id = response.json()["id"]
    upload = bulk.process_upload(upload_id)

    assert (upload.state, upload.total) == ("processing", 30)
    assert [(p.first_row, p.last_row) for p in BulkPart.objects.filter(upload_id=upload_id)] == [
        (1, 7), (8, 14), (15, 21), (22, 28), (29, 30),
    ]  # fmt: skip
    for part_id in reversed(started[1:]):
        assert bulk.process_part(part_id).state == "done"
        assert BulkUpload.objects.get(pk=upload_id).state == "processing"
    assert bulk.process_part(started[0]).state == "done"

    progress = api_as(world.corporatie).get(f"{URL}{upload_id}/").json()
    assert progress["state"] == "done"
    assert (progress["processed"], progress["accepted"], progress["already_filed"]) == (30, 28, 1)
    assert progress["rejected"] == 1
    assert [(e["row"], e["field"]) for e in progress["errors"]] == [(5, "subject_postcode")]
    assert Signal.objects.count() == 28  # row 28 repeats row 11's reference
    assert Signal.objects.filter(case__isnull=False).values("case_id").distinct().count() == 27
    assert list(tmp_path.iterdir()) == []  # the sealed file is gone once the last part is done
    # A redelivered task for a finished part or upload changes nothing.
    assert bulk.process_part(started[0]).processed == 7
    assert bulk.process_upload(upload_id).state == "done"
    assert BulkUpload.objects.get(pk=upload_id).processed == 30


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_parts_count_rows_as_the_file_does_with_blank_lines_between(
    world, api_as, settings, django_capture_on_commit_callbacks, kind
):
    settings.BULK_PART_ROWS = 2
    rows = [row(n) for n in range(1, 8)]
    rows[4]["arrears_amount"] = "-1"  # the fifth row
    if kind == "csv":
        head, *lines = csv_file(rows).decode().splitlines()
        body = "\n".join([head, lines[0], "", lines[1], lines[2], "", "", *lines[3:]])
    else:
        lines = [json.dumps(r) for r in rows]
        body = "\n".join([lines[0], "", lines[1], lines[2], "", "", *lines[3:]])
    progress = upload(
        api_as(world.corporatie), django_capture_on_commit_callbacks, body.encode(), name=f"maand.{kind}"
    )

    assert (progress["state"], progress["processed"], progress["accepted"], progress["rejected"]) == (
        "done", 7, 6, 1,
    )  # fmt: skip
    fifth_row_line = 9 if kind == "csv" else 8  # CSV: after the header line
    assert [(e["row"], e["field"]) for e in progress["errors"]] == [(fifth_row_line, "arrears_amount")]
