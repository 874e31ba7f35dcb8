"""Deadlines in Dutch working days: marked overdue exactly when passed, notified once."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from cases.deadlines import run_deadlines
from cases.models import Case, DeadlineBreach, Notification
from coordination.workdays import add_working_days, is_working_day

from .flow import advance, file_case

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=AMS)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (datetime.date(2026, 12, 24), True),
        (datetime.date(2026, 12, 25), False),  # Christmas
        (datetime.date(2026, 12, 26), False),  # Boxing Day, also a Saturday
        (datetime.date(2026, 12, 28), True),
        (datetime.date(2027, 4, 27), False),  # King's Day, a Tuesday
        (datetime.date(2027, 5, 1), False),  # Saturday
    ],
)
def test_working_days(day, working):
    assert is_working_day(day) is working


def test_three_working_days_across_christmas():
    # Wed 23 Dec: Thu 24, (Fri 25, Sat 26, Sun 27 off), Mon 28, Tue 29.
    assert add_working_days(at(2026, 12, 23, 10), 3) == at(2026, 12, 29, 10)


def test_five_working_days_across_kings_day():
    # Fri 23 Apr: Mon 26, (Tue 27 King's Day), Wed 28, Thu 29, Fri 30, Mon 3 May.
    assert add_working_days(at(2027, 4, 23, 9), 5) == at(2027, 5, 3, 9)


def test_a_start_on_a_holiday_counts_from_the_next_working_day():
    assert add_working_days(at(2026, 12, 25, 14), 1) == at(2026, 12, 28, 23, 59, 59)


@pytest.fixture
def mailable(world):
    for user in (world.triage, world.coordinator_noord, world.professional_noord):
        user.email = f"{user.username}@gemeente.example"
        user.save()
    return world


def test_urgent_first_contact_across_christmas_is_marked_once_and_notified_once(
    mailable, api_as, django_capture_on_commit_callbacks
):
    world = mailable
    with time_machine.travel(at(2026, 12, 23, 10), tick=False):
        case_id = file_case(world, api_as, threat="eviction")
    case = Case.objects.get(pk=case_id)
    assert case.deadline == "first_contact"
    assert case.due_at == at(2026, 12, 29, 10)

    with time_machine.travel(at(2026, 12, 28, 23), tick=False):
        assert run_deadlines().marked_overdue == 0
    mail.outbox.clear()
    with (
        time_machine.travel(at(2026, 12, 29, 10, 1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = run_deadlines()
    assert result.marked_overdue == 1
    assert Case.objects.get(pk=case_id).overdue is True
    # Unclaimed intake case: the triage officers are its owners.
    assert [m.to for m in mail.outbox] == [["schakelpunt@gemeente.example"]]
    assert case.reference in mail.outbox[0].subject

    with (
        time_machine.travel(at(2026, 12, 30, 9), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        again = run_deadlines()
        call_command("run_deadlines")
    assert again.marked_overdue == 0
    assert len(mail.outbox) == 1
    assert DeadlineBreach.objects.count() == 1


def test_lead_assignment_across_kings_day_notifies_the_teams_coordinator(
    mailable, api_as, django_capture_on_commit_callbacks
):
    world = mailable
    with time_machine.travel(at(2027, 4, 20, 9), tick=False):
        case_id = file_case(world, api_as, arrears_since="2027-01-01")
    with time_machine.travel(at(2027, 4, 23, 9), tick=False):
        advance(world, api_as, case_id, "awaiting_lead")
    case = Case.objects.get(pk=case_id)
    assert (case.deadline, case.due_at) == ("lead_assignment", at(2027, 5, 3, 9))

    # A count that forgot King's Day would call this overdue on Friday 30 April.
    with time_machine.travel(at(2027, 4, 30, 18), tick=False):
        assert run_deadlines().marked_overdue == 0
    mail.outbox.clear()
    with (
        time_machine.travel(at(2027, 5, 3, 9, 30), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert run_deadlines().marked_overdue == 1
    # The referral's "new in your queue" mail waited in the outbox and goes out with it.
    subjects = sorted((m.subject.split(" ")[0], m.to[0]) for m in mail.outbox)
    assert subjects == [
        ("Nieuwe", "coordinator-noord@gemeente.example"),
        ("Termijn", "coordinator-noord@gemeente.example"),
    ]
    assert all("Jansen" not in m.body for m in mail.outbox)


def test_other_cases_get_fourteen_days_for_a_first_contact(world, api_as):
    with time_machine.travel(at(2026, 11, 2, 12), tick=False):
        case_id = file_case(world, api_as)

    assert Case.objects.get(pk=case_id).due_at == at(2026, 11, 16, 12)


def test_a_contact_attempt_ends_the_first_contact_deadline_and_starts_the_conversation_one(world, api_as):
    with time_machine.travel(at(2026, 11, 2, 12), tick=False):
        case_id = file_case(world, api_as)
        advance(world, api_as, case_id, "outreach")
        api_as(world.triage).post(
            f"/api/v1/cases/{case_id}/contacts/",
            {"channel": "letter", "result": "not_reached"},
            format="json",
        )
    case = Case.objects.get(pk=case_id)
    assert (case.deadline, case.due_at) == ("first_conversation", at(2026, 11, 30, 12))

    api_as(world.triage).post(
        f"/api/v1/cases/{case_id}/contacts/", {"channel": "phone", "result": "reached"}, format="json"
    )
    case.refresh_from_db()
    assert (case.deadline, case.due_at) == ("", None)


def test_overdue_cases_rise_to_the_top_and_a_new_deadline_clears_the_mark(world, api_as):
    with time_machine.travel(at(2026, 11, 2, 12), tick=False):
        late = file_case(world, api_as)
    with time_machine.travel(at(2026, 11, 20, 12), tick=False):
        urgent = file_case(
            world,
            api_as,
            partner_reference="U",
            threat="eviction",
            subject__surname="Ander",
            subject__date_of_birth="1970-01-01",
        )
        run_deadlines()
        rows = api_as(world.triage).get("/api/v1/cases/").json()["results"]
        assert [r["id"] for r in rows] == [late, urgent]
        assert rows[0]["overdue"] is True

        api_as(world.triage).post(f"/api/v1/cases/{late}/claim/", {}, format="json")
        api_as(world.triage).post(f"/api/v1/cases/{late}/start_outreach/", {}, format="json")
        api_as(world.triage).post(
            f"/api/v1/cases/{late}/contacts/", {"channel": "phone", "result": "not_reached"}, format="json"
        )
    assert Case.objects.get(pk=late).overdue is False
    assert Notification.objects.filter(case_id=late, kind="overdue").count() == 1
