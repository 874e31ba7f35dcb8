"""The lead records on the case page that the household accepted help; the partner's page shows it."""

from __future__ import annotations

import datetime

from cases.models import Case
from signals.models import Signal


def test_the_lead_records_help_accepted_and_the_partner_sees_the_suspension(world, web_as, case_in, settings):
    case_id = case_in("in_progress")
    lead = web_as(world.professional_noord)
    page = lead.get(f"/casussen/{case_id}/").content.decode()
    assert "Vastleggen dat de hulp is geaccepteerd" in page

    response = lead.post(f"/casussen/{case_id}/hulp-geaccepteerd/", {"seen_state": "in_progress", "on": ""})

    assert response.status_code == 302 and response["Location"].endswith("#stand")
    today = Case.objects.get(pk=case_id).help_accepted_on
    assert today is not None
    after = lead.get(f"/casussen/{case_id}/").content.decode()
    assert "Hulp geaccepteerd op" in after
    assert "Vastleggen dat de hulp is geaccepteerd" not in after  # once is enough
    signal = Signal.objects.get(case_id=case_id)
    until = today + datetime.timedelta(days=settings.COLLECTION_SUSPENSION_DAYS)
    assert (signal.status, signal.suspend_collection_until) == ("help_accepted", until)
    listing = web_as(world.corporatie).get("/signalen/").content.decode()
    assert f"Incasso opschorten tot {until:%d-%m-%Y}" in listing


def test_a_date_in_the_future_is_refused_at_the_field(world, web_as, case_in):
    case_id = case_in("in_progress")
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()

    response = web_as(world.professional_noord).post(
        f"/casussen/{case_id}/hulp-geaccepteerd/", {"seen_state": "in_progress", "on": future}
    )

    assert response.status_code == 400
    assert "Deze datum ligt in de toekomst." in response.content.decode()
    assert Case.objects.get(pk=case_id).help_accepted_on is None


def test_the_coordinator_is_not_offered_the_form(world, web_as, case_in):
    case_id = case_in("in_progress")

    page = web_as(world.coordinator_noord).get(f"/casussen/{case_id}/").content.decode()

    assert "Vastleggen dat de hulp is geaccepteerd" not in page
