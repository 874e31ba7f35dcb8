"""The covenant's feedback: a partner hears that help was accepted, with the day, and until when
to suspend collection; nothing else about the case."""

from __future__ import annotations

import datetime
import zoneinfo

import time_machine
from django.test import Client

from audit.models import AccessEvent
from cases.models import Case
from signals.models import Signal
from tests.signals.payloads import signal

from .flow import advance, file_case, step

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
DAY = datetime.datetime(2026, 11, 10, 14, 0, tzinfo=AMS)


def _row(api_as, user, signal_id) -> dict:
    return api_as(user).get(f"/api/v1/signals/{signal_id}/").json()


def _case_in_progress(world, api_as, **changes) -> tuple[str, str]:
    with time_machine.travel(DAY - datetime.timedelta(days=3), tick=False):
        case_id = file_case(world, api_as, **changes)
        advance(world, api_as, case_id, "in_progress")
    return case_id, str(Signal.objects.get(case_id=case_id).pk)


def test_a_closed_referral_shows_help_accepted_with_its_date(world, api_as):
    case_id, signal_id = _case_in_progress(world, api_as)
    assert _row(api_as, world.corporatie, signal_id)["status"] == "picked_up"

    with time_machine.travel(DAY, tick=False):
        closed = step(api_as, world.professional_noord, case_id, "close", outcome="referral_financial")

    row = _row(api_as, world.corporatie, signal_id)
    assert row["status"] == "help_accepted"
    assert row["help_accepted_on"] == "2026-11-10"
    assert row["suspend_collection_until"] == "2026-12-10"  # 30 days, the covenant's default
    assert row["status_changed_at"].startswith("2026-11-10")
    assert closed["help_accepted_on"] == "2026-11-10"
    # The list says the same, and nothing about the case.
    [listed] = api_as(world.corporatie).get("/api/v1/signals/").json()["results"]
    assert listed == {**row}
    assert not {"case", "outcome", "state", "team", "lead", "subject"} & set(row)


def test_the_lead_records_that_help_was_accepted_before_closing(world, api_as, settings):
    settings.COLLECTION_SUSPENSION_DAYS = 45
    case_id, signal_id = _case_in_progress(world, api_as)

    with time_machine.travel(DAY, tick=False):
        response = api_as(world.professional_noord).post(
            f"/api/v1/cases/{case_id}/help-accepted/", {"on": "2026-11-09"}, format="json"
        )

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "in_progress"
    assert response.json()["help_accepted_on"] == "2026-11-09"
    row = _row(api_as, world.corporatie, signal_id)
    assert (row["status"], row["help_accepted_on"], row["suspend_collection_until"]) == (
        "help_accepted",
        "2026-11-09",
        "2026-12-24",
    )
    entry = AccessEvent.objects.get(action="case.help_accepted")
    assert (entry.username, str(entry.case_id)) == ("professional-noord", case_id)

    # Closing later, even with another outcome, keeps the day the partner was given.
    with time_machine.travel(DAY + datetime.timedelta(days=20), tick=False):
        step(api_as, world.professional_noord, case_id, "close", outcome="solved_by_resident")
    row = _row(api_as, world.corporatie, signal_id)
    assert (row["status"], row["help_accepted_on"]) == ("help_accepted", "2026-11-09")
    assert Case.objects.get(pk=case_id).help_accepted_on == datetime.date(2026, 11, 9)


def test_only_the_lead_records_it_and_only_while_the_case_is_worked(world, api_as):
    case_id, _ = _case_in_progress(world, api_as)
    url = f"/api/v1/cases/{case_id}/help-accepted/"

    assert api_as(world.coordinator_noord).post(url, {}, format="json").status_code == 403
    assert api_as(world.professional_zuid).post(url, {}, format="json").status_code == 404
    assert api_as(world.corporatie).post(url, {}, format="json").status_code == 403
    future = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    refused = api_as(world.professional_noord).post(url, {"on": future}, format="json")
    assert refused.status_code == 400 and "on" in refused.json()

    fresh = file_case(
        world,
        api_as,
        partner_reference="HUUR-2",
        subject__surname="Pietersen",
        subject__date_of_birth="1990-01-01",
        subject__postcode="1013 AB",
    )
    assert fresh != case_id
    early = api_as(world.professional_noord).post(f"/api/v1/cases/{fresh}/help-accepted/", {}, format="json")
    assert early.status_code == 404  # a new case is not the professional's (yet)
    assert Case.objects.get(pk=fresh).help_accepted_on is None


def test_other_outcomes_never_show_help_accepted(world, api_as):
    case_id, signal_id = _case_in_progress(world, api_as)

    step(api_as, world.professional_noord, case_id, "close", outcome="declined_help")

    row = _row(api_as, world.corporatie, signal_id)
    assert (row["status"], row["help_accepted_on"], row["suspend_collection_until"]) == (
        "not_picked_up",
        None,
        None,
    )


def test_a_new_signal_about_a_household_that_accepted_help_is_received_until_the_next_event(world, api_as):
    case_id, _ = _case_in_progress(world, api_as)
    api_as(world.professional_noord).post(f"/api/v1/cases/{case_id}/help-accepted/", {}, format="json")

    filed = api_as(world.energie).post(
        "/api/v1/signals/", signal(signal_type="energy_arrears", partner_reference="E-7"), format="json"
    )

    assert filed.json()["status"] == "received"
    row = _row(api_as, world.energie, filed.json()["id"])
    assert (row["status"], row["help_accepted_on"], row["suspend_collection_until"]) == (
        "received",
        None,
        None,
    )
    assert str(Signal.objects.get(pk=row["id"]).case_id) == case_id  # joined the case all the same

    step(api_as, world.professional_noord, case_id, "start_monitoring", expect=409)  # no plan goals yet
    step(api_as, world.professional_noord, case_id, "close", outcome="referral_financial")
    assert _row(api_as, world.energie, row["id"])["status"] == "help_accepted"


def test_the_partners_pages_show_the_date_and_the_suspension(world, api_as):
    case_id, signal_id = _case_in_progress(world, api_as)
    with time_machine.travel(DAY, tick=False):
        step(api_as, world.professional_noord, case_id, "close", outcome="referral_financial")
    client = Client()
    client.force_login(world.corporatie)

    listing = client.get("/signalen/").content.decode()
    detail = client.get(f"/signalen/{signal_id}/").content.decode()

    assert "Hulp geaccepteerd" in listing and "Incasso opschorten tot 10-12-2026" in listing
    assert "Hulp geaccepteerd op" in detail and "10 december 2026" in detail
    assert "Incasso opschorten tot" in detail
    assert "Jansen" not in listing  # still no subject data
