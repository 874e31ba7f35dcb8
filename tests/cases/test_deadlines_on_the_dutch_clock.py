"""Deadlines count days on the clock in Amsterdam, not on the UTC date.

A signal filed just after midnight local time is still "yesterday" in UTC;
a case's deadline must not move because of that, nor by an hour across the
change to or from summer time.
"""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine

from cases.deadlines import run_deadlines
from coordination.workdays import add_working_days

from .flow import advance, file_case

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=AMS)


def due_at(world, api_as, case_id: str, viewer: str = "triage") -> datetime.datetime:
    """The deadline as the one working the case sees it."""
    response = api_as(getattr(world, viewer)).get(f"/api/v1/cases/{case_id}/")
    assert response.status_code == 200
    return datetime.datetime.fromisoformat(response.json()["due_at"])


def test_urgent_signal_at_half_past_midnight_after_kings_day_is_due_monday(world, api_as):
    # Wed 28 April 2027 00:30 local is still King's Day (Tue 27) in UTC.
    # Thu 29, Fri 30, (Sat 1, Sun 2 May), Mon 3 May.
    with time_machine.travel(at(2027, 4, 28, 0, 30), tick=False):
        case_id = file_case(world, api_as, threat="eviction", arrears_since="2026-01-01")
    assert due_at(world, api_as, case_id) == at(2027, 5, 3, 0, 30)

    # Counting from the UTC date made it overdue in the night to Saturday.
    with time_machine.travel(at(2027, 5, 1, 12), tick=False):
        assert run_deadlines().marked_overdue == 0
    with time_machine.travel(at(2027, 5, 3, 0, 31), tick=False):
        assert run_deadlines().marked_overdue == 1


def test_urgent_signal_at_half_past_midnight_on_a_holiday_eve(world, api_as):
    # Mon 26 April 2027 00:30 local is Sunday in UTC. Counted from Monday:
    # (Tue 27 King's Day), Wed 28, Thu 29, Fri 30.
    with time_machine.travel(at(2027, 4, 26, 0, 30), tick=False):
        case_id = file_case(world, api_as, threat="eviction", arrears_since="2026-01-01")
    assert due_at(world, api_as, case_id) == at(2027, 4, 30, 0, 30)


def test_urgent_signal_at_half_past_midnight_on_a_saturday_is_due_at_the_end_of_wednesday(world, api_as):
    # Sat 6 March 2027 00:30 local is a Friday, a working day, in UTC.
    # Counted from the weekend: Mon 8, Tue 9, Wed 10, until the end of that day.
    with time_machine.travel(at(2027, 3, 6, 0, 30), tick=False):
        case_id = file_case(world, api_as, threat="eviction", arrears_since="2026-01-01")
    assert due_at(world, api_as, case_id) == at(2027, 3, 10, 23, 59, 59)


def test_working_days_into_summer_time_keep_the_local_time_of_day(world, api_as):
    # Summer time starts Sunday 29 March 2026: Fri 27 10:00 is 09:00 UTC,
    # Wed 1 April 10:00 is 08:00 UTC.
    with time_machine.travel(at(2026, 3, 27, 10), tick=False):
        case_id = file_case(world, api_as, threat="eviction", arrears_since="2026-01-01")
    assert due_at(world, api_as, case_id) == at(2026, 4, 1, 10)


def test_working_days_out_of_summer_time_keep_the_local_time_of_day(world, api_as):
    # Summer time ends Sunday 25 October 2026. Lead assignment: 5 working days
    # from Thursday 22 October 16:00 is Thursday 29 October 16:00.
    with time_machine.travel(at(2026, 10, 20, 9), tick=False):
        case_id = file_case(world, api_as, arrears_since="2026-01-01")
    with time_machine.travel(at(2026, 10, 22, 16), tick=False):
        advance(world, api_as, case_id, "awaiting_lead")
    assert due_at(world, api_as, case_id, "coordinator_noord") == at(2026, 10, 29, 16)


def test_fourteen_days_across_the_change_to_summer_time_keep_the_local_time_of_day(world, api_as):
    with time_machine.travel(at(2026, 3, 20, 10), tick=False):
        case_id = file_case(world, api_as, arrears_since="2026-01-01")
    assert due_at(world, api_as, case_id) == at(2026, 4, 3, 10)


def test_four_weeks_across_the_change_from_summer_time_keep_the_local_time_of_day(world, api_as):
    with time_machine.travel(at(2026, 10, 9, 10), tick=False):
        case_id = file_case(world, api_as, arrears_since="2026-01-01")
        advance(world, api_as, case_id, "outreach")
        response = api_as(world.triage).post(
            f"/api/v1/cases/{case_id}/contacts/",
            {"channel": "letter", "result": "not_reached"},
            format="json",
        )
        assert response.status_code == 201, response.content
    assert due_at(world, api_as, case_id) == at(2026, 11, 6, 10)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # The same moments as the tests above, given in UTC as the database gives them.
        (at(2027, 4, 28, 0, 30), 3, at(2027, 5, 3, 0, 30)),
        (at(2027, 4, 26, 0, 30), 3, at(2027, 4, 30, 0, 30)),
        (at(2027, 3, 6, 0, 30), 3, at(2027, 3, 10, 23, 59, 59)),
        (at(2026, 3, 27, 10), 3, at(2026, 4, 1, 10)),
        (at(2026, 10, 23, 10), 3, at(2026, 10, 28, 10)),
    ],
)
def test_add_working_days_from_a_utc_time(start, days, due):
    assert add_working_days(start.astimezone(datetime.UTC), days) == due


def test_add_days_from_a_utc_time_to_a_time_that_does_not_exist_moves_an_hour_on():
    from coordination.workdays import add_days  # new with the Dutch clock

    # 02:30 on Sunday 28 March 2027 does not exist in Amsterdam.
    start = at(2027, 3, 21, 2, 30).astimezone(datetime.UTC)
    assert add_days(start, 7) == at(2027, 3, 28, 3, 30)
