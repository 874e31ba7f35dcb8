"""What a bulk file may hold, and a plain reason when it holds more: never a
traceback, never an upload stuck in "processing", never its file left on disk."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from signals import bulk
from signals.models import BulkPart, BulkRowError, BulkUpload, Signal
from tests.signals.test_bulk_intake import URL, csv_file, row, upload

TECHNICAL = ("Traceback", "Error", "Exception", "_csv", "line contains", 'File "')


@pytest.fixture
def folder(settings, tmp_path):
    settings.BULK_UPLOAD_DIR = str(tmp_path)
    return tmp_path


def assert_plain(failure: str) -> None:
    assert failure
    assert not any(word in failure for word in TECHNICAL), failure


def test_a_twenty_megabyte_line_fails_the_file_with_a_plain_reason(
    world, api_as, folder, django_capture_on_commit_callbacks
):
    lines = [
        json.dumps({**row(1), "partner_reference": "OK-1"}),
        json.dumps({**row(2), "note": "x" * 20_000_000}),
    ]
    progress = upload(
        api_as(world.corporatie),
        django_capture_on_commit_callbacks,
        "\n".join(lines).encode(),
        name="m.jsonl",
    )

    assert progress["state"] == "failed"
    assert progress["failure"] == "Regel 2 is te lang: een regel mag hoogstens 32768 tekens hebben."
    assert Signal.objects.count() == 0  # the file is checked whole before anything is filed
    assert list(folder.iterdir()) == []


def test_a_line_longer_than_the_setting_fails_the_file(
    world, api_as, folder, settings, django_capture_on_commit_callbacks
):
    settings.BULK_MAX_LINE_CHARS = 300
    rows = [row(1), row(2), {**row(3), "note": "y" * 400}]
    progress = upload(api_as(world.corporatie), django_capture_on_commit_callbacks, csv_file(rows))

    assert (progress["state"], progress["failure"]) == (
        "failed", "Regel 4 is te lang: een regel mag hoogstens 300 tekens hebben.",
    )  # fmt: skip


def test_more_rows_than_the_setting_fail_the_file(
    world, api_as, folder, settings, django_capture_on_commit_callbacks
):
    settings.BULK_MAX_ROWS = 5
    progress = upload(
        api_as(world.corporatie), django_capture_on_commit_callbacks, csv_file([row(n) for n in range(6)])
    )

    assert progress["state"] == "failed"
    assert progress["failure"] == "Het bestand heeft meer dan 5 regels; splits het in kleinere bestanden."
    assert Signal.objects.count() == 0
    assert list(folder.iterdir()) == []


def test_a_nul_in_the_header_fails_the_file_with_a_plain_reason(
    world, api_as, folder, django_capture_on_commit_callbacks
):
    content = csv_file([row(1)]).replace(b"signal_type", b"signal\x00_type", 1)
    progress = upload(api_as(world.corporatie), django_capture_on_commit_callbacks, content)

    assert progress["state"] == "failed"
    assert progress["failure"].startswith("Regel 1 bevat een NUL-teken")
    assert_plain(progress["failure"])
    assert list(folder.iterdir()) == []


def test_a_nul_in_a_csv_row_refuses_that_row(world, api_as, folder, django_capture_on_commit_callbacks):
    rows = [row(1), row(2), {**row(3), "note": "a\x00b"}, {**row(4), "signal_type": "\x00"}]
    progress = upload(api_as(world.corporatie), django_capture_on_commit_callbacks, csv_file(rows))

    assert (progress["state"], progress["accepted"], progress["rejected"]) == ("done", 2, 2)
    assert [(e["row"], e["field"]) for e in progress["errors"]] == [(4, "note"), (5, "signal_type")]
    assert all("\x00" not in e["message"] for e in progress["errors"])


def test_deeply_nested_json_lines_are_refused_and_the_other_rows_filed(
    world, api_as, folder, django_capture_on_commit_callbacks
):
    lines = [
        json.dumps(row(1)),
        '{"note": ' + "[" * 15_000 + "]" * 15_000 + "}",  # past the parser's recursion limit
        json.dumps({**row(3), "note": [[[["diep"]]]]}),
        json.dumps({**row(4), "partner_reference": "A\u0000B"}),  # NUL in a value: refused by the field
        json.dumps(row(5)),
    ]
    progress = upload(
        api_as(world.corporatie),
        django_capture_on_commit_callbacks,
        "\n".join(lines).encode(),
        name="m.jsonl",
    )

    assert (progress["state"], progress["accepted"], progress["rejected"]) == ("done", 2, 3)
    errors = {(e["row"], e["field"]): e["message"] for e in progress["errors"]}
    assert errors[(2, "row")] == errors[(3, "row")] == "Deze regel is te diep genest."
    assert (4, "partner_reference") in errors
    assert Signal.objects.count() == 2


def test_past_the_stored_errors_limit_rows_are_counted_but_their_reasons_not_kept(
    world, api_as, folder, settings, django_capture_on_commit_callbacks
):
    settings.BULK_MAX_STORED_ERRORS = 3
    rows = [{**row(n), "arrears_amount": "-1"} if n % 2 else row(n) for n in range(1, 21)]  # 10 bad
    progress = upload(api_as(world.corporatie), django_capture_on_commit_callbacks, csv_file(rows))

    assert (progress["state"], progress["accepted"], progress["rejected"]) == ("done", 10, 10)
    assert (progress["errors_count"], progress["errors_not_stored"]) == (3, 7)
    assert [e["row"] for e in progress["errors"]] == [2, 4, 6]
    assert BulkRowError.objects.count() == 3
    html = page_of(world.corporatie).get(f"/signalen/bulk/{progress['id']}/").content.decode()
    assert "hoogstens 3 fouten bewaard; van nog 7 fouten is de reden niet bewaard" in html


def test_an_unexpected_failure_fails_the_upload_with_a_plain_reason_and_removes_the_file(
    world, api_as, folder, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("unexpected: Huurder1 at Dorpsstraat 1")

    monkeypatch.setattr(bulk, "file_signals", broken)
    progress = upload(
        api_as(world.corporatie), django_capture_on_commit_callbacks, csv_file([row(1), row(2)])
    )

    assert progress["state"] == "failed"
    assert progress["failure"].startswith("Het bestand kon door een storing bij Schakelpunt niet verder")
    assert_plain(progress["failure"])
    assert "Huurder1" not in progress["failure"]
    assert BulkPart.objects.get().state == "failed"
    assert list(folder.iterdir()) == []
    html = page_of(world.corporatie).get(f"/signalen/bulk/{progress['id']}/").content.decode()
    assert "Mislukt" in html and "door een storing bij Schakelpunt" in html
    assert "RuntimeError" not in html and "Huurder1" not in html


def test_an_uploader_who_lost_the_partner_role_fails_the_upload_with_that_reason(
    world, api_as, folder, django_capture_on_commit_callbacks
):
    client = api_as(world.corporatie)
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        response = client.post(URL, {"file": _file([row(1)])}, format="multipart")
    world.corporatie.roles = ["coordinator"]
    world.corporatie.save()
    for start in waiting:
        start()

    stored = BulkUpload.objects.get(pk=response.json()["id"])
    assert (stored.state, stored.failure) == (
        "failed",
        "Wie dit bestand uploadde, mag geen signalen (meer) doorgeven.",
    )
    assert Signal.objects.count() == 0
    assert list(folder.iterdir()) == []


def _file(rows):
    return SimpleUploadedFile("maand.csv", csv_file(rows))


def page_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
