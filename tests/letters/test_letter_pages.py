"""The case page offers the letter to those who may send one; the print run has its page."""

from __future__ import annotations

from django.test import Client

from cases.models import Case, ContactAttempt
from letters import services
from tests.cases.flow import advance, file_case

from .conftest import pdf_text


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_case_page_offers_the_letter_and_posting_it_downloads_the_pdf(world, api_as, template):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "outreach")
    client = logged_in(world.triage)

    page = client.get(f"/casussen/{case_id}/").content.decode()
    assert f'action="/brieven/casus/{case_id}/"' in page
    assert "Testbrief (Nederlands)" in page

    response = client.post(f"/brieven/casus/{case_id}/", {"template": template.pk})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert Case.objects.get(pk=case_id).reference in pdf_text(response.content)
    assert ContactAttempt.objects.filter(case_id=case_id, channel="letter").count() == 1


def test_the_letter_is_not_offered_to_who_may_not_send_it_now(world, api_as, template):
    case_id = file_case(world, api_as)  # new: no contact attempts yet
    assert "/brieven/casus/" not in logged_in(world.triage).get(f"/casussen/{case_id}/").content.decode()

    response = logged_in(world.triage).post(f"/brieven/casus/{case_id}/", {"template": template.pk})

    assert response.status_code == 302 and response["Location"].endswith(f"/casussen/{case_id}/#contacten")
    assert not ContactAttempt.objects.filter(case_id=case_id).exists()
    advance(world, api_as, case_id, "awaiting_lead")
    page = logged_in(world.coordinator_noord).get(f"/casussen/{case_id}/").content.decode()
    assert "/brieven/casus/" not in page


def test_the_run_page_shows_progress_and_the_download_link_once_done(
    world, api_as, template, django_capture_on_commit_callbacks
):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "outreach")
    with django_capture_on_commit_callbacks(execute=False):
        run = services.start_print_run(actor=world.triage, template=template, cases=[case_id])
    client = logged_in(world.triage)

    waiting = client.get(f"/brieven/printruns/{run.pk}/").content.decode()
    assert "data-running" in waiting and "0 van 1 casussen verwerkt" in waiting
    assert "brieven.pdf" not in waiting

    services.process_print_run(run.pk)
    done = client.get(f"/brieven/printruns/{run.pk}/").content.decode()
    assert "data-running" not in done and "1 van 1 casussen verwerkt" in done
    download = client.get(f"/brieven/printruns/{run.pk}/brieven.pdf")
    assert download.status_code == 200
    assert Case.objects.get(pk=case_id).reference in pdf_text(download.content)
