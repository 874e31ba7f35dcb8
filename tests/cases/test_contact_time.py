"""A contact attempt's time lies between the opening of the case and now.

A contact attempt ends the first-contact deadline; one dated in 2062 or
before the case existed would make a missed deadline count as met.
"""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine

from cases.models import Case, ContactAttempt

from .flow import advance, file_case

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
OPENED = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=AMS)
NOW = datetime.datetime(2026, 11, 4, 15, 0, tzinfo=AMS)


@pytest.fixture
def outreach_case(world, api_as):
    with time_machine.travel(OPENED, tick=False):
        case_id = file_case(world, api_as, threat="eviction")
    with time_machine.travel(NOW, tick=False):
        advance(world, api_as, case_id, "outreach")
    return case_id


def post_contact(world, api_as, case_id: str, at: str):
    with time_machine.travel(NOW, tick=False):
        return api_as(world.triage).post(
            f"/api/v1/cases/{case_id}/contacts/",
            {"channel": "phone", "result": "reached", "at": at},
            format="json",
        )


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("2062-01-01T10:00:00+01:00", "toekomst"),
        ("2026-11-04T15:06:00+01:00", "toekomst"),  # more than five minutes ahead
        ("2026-11-01T10:00:00+01:00", "vóór het begin van de casus (02-11-2026 10:00)"),
        ("2026-11-02T09:59:00+01:00", "vóór het begin van de casus"),
    ],
)
def test_a_contact_time_in_the_future_or_before_the_case_is_refused(
    world, api_as, outreach_case, at, message
):
    response = post_contact(world, api_as, outreach_case, at)

    assert response.status_code == 400
    [error] = response.json()["at"]
    assert message in error
    assert not ContactAttempt.objects.exists()
    case = Case.objects.get(pk=outreach_case)
    # The first-contact deadline still runs.
    assert (case.first_contact_at, case.deadline) == (None, "first_contact")


def test_a_device_clock_a_few_minutes_ahead_is_allowed_more_is_not(world, api_as, outreach_case):
    assert post_contact(world, api_as, outreach_case, "2026-11-04T15:06:00+01:00").status_code == 400

    response = post_contact(world, api_as, outreach_case, "2026-11-04T15:04:00+01:00")

    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=outreach_case)
    assert case.first_contact_at == datetime.datetime(2026, 11, 4, 15, 4, tzinfo=AMS)
    assert case.deadline == ""


def test_the_minute_the_case_was_opened_is_allowed_the_minute_before_is_not(world, api_as):
    # Opened at 10:00:30; a form gives whole minutes.
    with time_machine.travel(OPENED + datetime.timedelta(seconds=30), tick=False):
        case_id = file_case(world, api_as, threat="eviction")
        advance(world, api_as, case_id, "outreach")
    assert post_contact(world, api_as, case_id, "2026-11-02T09:59:00+01:00").status_code == 400

    response = post_contact(world, api_as, case_id, "2026-11-02T10:00:00+01:00")

    assert response.status_code == 201, response.content
    assert Case.objects.get(pk=case_id).first_contact_at == OPENED
