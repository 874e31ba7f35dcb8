"""Following a bulk upload: counts in words, refused rows paged in the API and on the page."""

from __future__ import annotations

import pytest
from django.test import Client

from signals.models import Signal
from tests.signals.test_bulk_intake import URL, csv_file, row, upload


@pytest.fixture
def bad_rows(world, api_as, django_capture_on_commit_callbacks):
    """An upload of 260 rows of which 250 are refused."""
    rows = [{**row(n), "arrears_amount": "-1"} if n > 10 else row(n) for n in range(1, 261)]
    return upload(api_as(world.corporatie), django_capture_on_commit_callbacks, csv_file(rows))


def test_the_progress_call_pages_the_refused_rows(world, api_as, bad_rows):
    client = api_as(world.corporatie)
    first = bad_rows

    assert (first["state"], first["accepted"], first["rejected"]) == ("done", 10, 250)
    assert (first["errors_count"], first["errors_page"], first["errors_pages"]) == (250, 1, 3)
    assert [e["row"] for e in first["errors"]] == list(range(12, 112))
    assert first["errors_previous"] is None
    assert first["errors_next"] == f"http://testserver{URL}{first['id']}/?page=2"

    third = client.get(first["errors_next"].replace("page=2", "page=3")).json()
    assert [e["row"] for e in third["errors"]] == list(range(212, 262))
    assert (third["errors_next"], third["errors_previous"]) == (
        None,
        f"http://testserver{URL}{first['id']}/?page=2",
    )
    assert (third["accepted"], third["rejected"]) == (10, 250)  # the counts on every page

    assert client.get(f"{URL}{first['id']}/?page=4").status_code == 404
    refused = client.get(f"{URL}{first['id']}/?page=twee")
    assert refused.status_code == 400
    assert "page" in refused.json()

    # The page shows them fifty at a time.
    web = Client()
    web.force_login(world.corporatie)
    html = web.get(f"/signalen/bulk/{bad_rows['id']}/?page=2").content.decode()

    assert html.count('<th scope="row">') == 50
    assert '<th scope="row">62</th>' in html and '<th scope="row">111</th>' in html
    assert "250 fouten" in html


def test_a_file_uploaded_again_visibly_files_nothing_new(world, api_as, django_capture_on_commit_callbacks):
    rows = [row(n) for n in range(1, 13)]
    client = api_as(world.corporatie)
    first = upload(client, django_capture_on_commit_callbacks, csv_file(rows[:4]))
    again = upload(client, django_capture_on_commit_callbacks, csv_file([*rows, {**row(99), "threat": "?"}]))

    assert (first["accepted"], first["already_filed"], first["rejected"]) == (4, 0, 0)
    assert (again["accepted"], again["already_filed"], again["rejected"]) == (8, 4, 1)
    web = Client()
    web.force_login(world.corporatie)
    html = web.get(f"/signalen/bulk/{again['id']}/").content.decode()
    assert "8 nieuw doorgegeven, 4 al eerder doorgegeven, 1 geweigerd." in html

    same = upload(client, django_capture_on_commit_callbacks, csv_file(rows[:4]))
    assert (same["accepted"], same["already_filed"]) == (0, 4)
    html = web.get(f"/signalen/bulk/{same['id']}/").content.decode()
    assert "0 nieuw doorgegeven, 4 al eerder doorgegeven, 0 geweigerd." in html
    assert "Er is niets nieuws doorgegeven" in html


def test_a_line_reusing_a_reference_for_another_person_is_refused_naming_the_earlier_signal(
    world, api_as, django_capture_on_commit_callbacks
):
    rows = [row(n) for n in range(1, 6)]
    rows[4] = {**row(5), "partner_reference": rows[3]["partner_reference"]}  # line 6 reuses line 5's
    client = api_as(world.corporatie)
    first = upload(client, django_capture_on_commit_callbacks, csv_file(rows))

    assert (first["accepted"], first["already_filed"], first["rejected"]) == (4, 0, 1)
    [error] = first["errors"]
    assert (error["row"], error["field"]) == (6, "partner_reference")
    [earlier] = [s for s in Signal.objects.all() if s.partner_reference == rows[3]["partner_reference"]]
    assert earlier.reference in error["message"]
    assert "Huurder" not in error["message"]
    assert Signal.objects.count() == 4

    # The same file with line 3 changed: that line is refused, the rest were filed before.
    changed = [*rows[:4]]
    changed[1] = {**changed[1], "arrears_amount": "999.00"}
    again = upload(client, django_capture_on_commit_callbacks, csv_file(changed))
    assert (again["accepted"], again["already_filed"], again["rejected"]) == (0, 3, 1)
    assert [(e["row"], e["field"]) for e in again["errors"]] == [(3, "partner_reference")]
    assert Signal.objects.count() == 4
