"""The partner's bulk upload page: upload a file, follow its progress, read the refused rows."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AccessEvent
from signals.models import BulkRowError, BulkUpload, Signal
from tests.signals.test_bulk_intake import batch, csv_file, row

URL = "/signalen/bulk/"


def upload(client, capture, content: bytes, name: str = "maand.csv", *, process: bool = True):
    """Post the form; with ``process`` the background work runs (eagerly, after commit)."""
    with capture(execute=process):
        return client.post(URL, {"file": SimpleUploadedFile(name, content)})


def test_a_partner_uploads_a_file_and_sees_it_done_with_the_refused_rows(
    world, web_as, django_capture_on_commit_callbacks
):
    content, bad_lines = batch(20, bad_every=10)  # lines 11 and 21 are broken
    client = web_as(world.corporatie)

    response = upload(client, django_capture_on_commit_callbacks, content)

    stored = BulkUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/signalen/bulk/{stored.pk}/"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert '<span class="badge badge--bulk-done">Verwerkt</span>' in html
    assert "Gelukt" not in html  # the state says it; no banner
    assert "data-running" not in html and "Voortgang bijwerken" not in html  # done: no refreshing
    assert '<progress id="bulk-meter" class="progress" max="20" value="20"' in html
    assert "20 van 20 regels verwerkt (100%)" in html
    for line, field in bad_lines.items():
        assert re.search(rf"<th scope=\"row\">{line}</th>\s*<td><code>{field}</code></td>", html), line
    assert f'href="/api/v1/signals/bulk/{stored.pk}/errors.csv"' in html
    assert Signal.objects.count() == 18
    assert "Huurder" not in html  # the refused rows' data is never shown
    assert AccessEvent.objects.filter(action="signal.bulk.upload", username="corporatie").count() == 1


def test_the_page_offers_a_refresh_while_the_file_waits(world, web_as, django_capture_on_commit_callbacks):
    client = web_as(world.corporatie)
    response = upload(client, django_capture_on_commit_callbacks, csv_file([row(1)]), process=False)

    html = client.get(response["Location"]).content.decode()

    assert "Wacht op verwerking" in html
    assert "data-running" in html and "Voortgang bijwerken" in html
    assert "Het bestand wordt gelezen" in html  # no total yet: an indeterminate bar


def test_a_file_that_cannot_be_read_shows_why(world, web_as, django_capture_on_commit_callbacks):
    content = b"signal_type,partner_reference,familienaam\nrent_arrears,X,Jansen\n"
    client = web_as(world.corporatie)

    response = upload(client, django_capture_on_commit_callbacks, content)

    html = client.get(response["Location"]).content.decode()
    assert '<span class="badge badge--bulk-failed">Mislukt</span>' in html
    assert "Het bestand kon niet worden verwerkt." in html and "Onbekende kolomnaam in kolom: 3." in html
    assert "familienaam" not in html


def test_the_list_shows_the_organisations_uploads_only(world, web_as, django_capture_on_commit_callbacks):
    upload(web_as(world.corporatie), django_capture_on_commit_callbacks, csv_file([row(1)]))
    upload(web_as(world.energie), django_capture_on_commit_callbacks, csv_file([row(2)]))
    ours = BulkUpload.objects.get(organisation=world.housing)

    html = web_as(world.corporatie).get(URL).content.decode()

    assert re.findall(r"/signalen/bulk/([0-9a-f-]{36})/", html) == [str(ours.pk)]


def test_a_long_error_list_is_paged(world, web_as, django_capture_on_commit_callbacks):
    content, _ = batch(120, bad_every=2)  # 60 refused rows
    client = web_as(world.corporatie)
    location = upload(client, django_capture_on_commit_callbacks, content)["Location"]

    first = client.get(location).content.decode()
    second = client.get(location + "?page=2").content.decode()

    assert "60 fouten" in first and "Pagina 1 van 2" in first
    assert '<th scope="row">3</th>' in first and '<th scope="row">121</th>' not in first
    assert '<th scope="row">121</th>' in second


def test_no_file_or_a_too_large_file_is_refused_at_the_field(world, web_as, settings):
    client = web_as(world.corporatie)

    missing = client.post(URL, {})
    settings.BULK_UPLOAD_MAX_BYTES = 10
    too_large = client.post(URL, {"file": SimpleUploadedFile("m.csv", csv_file([row(1)]))})

    assert missing.status_code == too_large.status_code == 400
    assert "Voeg een bestand toe: Excel (.xlsx), CSV of JSON lines." in missing.content.decode()
    html = too_large.content.decode()
    assert "Het bestand is te groot: maximaal 10" in html
    assert 'aria-describedby="bulk-file-hint bulk-file-error"' in html and 'aria-invalid="true"' in html
    assert BulkUpload.objects.count() == 0


@pytest.mark.parametrize("upload_of", ["other organisation", "nobody"])
def test_another_organisations_upload_is_not_found(
    world, web_as, django_capture_on_commit_callbacks, upload_of
):
    upload(web_as(world.corporatie), django_capture_on_commit_callbacks, csv_file([row(1)]))
    upload_id = BulkUpload.objects.get().pk if upload_of == "other organisation" else uuid.uuid4()

    response = web_as(world.huisarts).get(f"/signalen/bulk/{upload_id}/")

    assert response.status_code == 404
    denied = AccessEvent.objects.get(event_type="denied")
    assert (denied.username, denied.detail) == ("huisarts", {"status": 404, "code": "not_found"})


@pytest.mark.parametrize("actor", ["triage", "coordinator_noord", "auditor", "beheer"])
def test_other_roles_may_not_upload_or_look(world, web_as, django_capture_on_commit_callbacks, actor):
    upload(web_as(world.corporatie), django_capture_on_commit_callbacks, csv_file([row(1)]))
    client = web_as(getattr(world, actor))

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"file": SimpleUploadedFile("m.csv", csv_file([row(2)]))}).status_code == 403
    assert client.get(f"/signalen/bulk/{BulkUpload.objects.get().pk}/").status_code == 403
    assert BulkUpload.objects.count() == 1


def test_a_visitor_is_sent_to_the_login_page(db, web_as):
    assert web_as(None).get(URL)["Location"] == f"/accounts/login/?next={URL}"


def test_the_partners_menu_links_to_the_page(world, web_as):
    html = web_as(world.huisarts).get("/signalen/").content.decode()

    assert f'<a href="{URL}">Bestand uploaden</a>' in html


def test_row_errors_are_listed_by_line_then_field(world, web_as, django_capture_on_commit_callbacks):
    upload(web_as(world.corporatie), django_capture_on_commit_callbacks, csv_file([row(1)]))
    stored = BulkUpload.objects.get()
    BulkRowError.objects.bulk_create(
        [
            BulkRowError(upload=stored, row=9, field="row", message="De regel heeft meer velden dan de kop."),
            BulkRowError(upload=stored, row=4, field="subject_bsn", message="Geen geldig BSN."),
        ]
    )

    html = web_as(world.corporatie).get(f"/signalen/bulk/{stored.pk}/").content.decode()

    assert html.index('<th scope="row">4</th>') < html.index('<th scope="row">9</th>')
    assert "hele regel" in html
