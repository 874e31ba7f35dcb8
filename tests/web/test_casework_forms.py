"""Contact attempts, plan goals and network members from the case page."""

from __future__ import annotations

import datetime
import zoneinfo

import time_machine

from audit.models import AccessEvent
from cases.models import ContactAttempt, NetworkMember, PlanGoal

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")


def test_triage_records_a_contact_attempt_during_outreach(world, web_as, case_in):
    with time_machine.travel(datetime.datetime(2026, 11, 2, 9, tzinfo=AMS), tick=False):
        case_id = case_in("outreach")
    client = web_as(world.triage)

    with time_machine.travel(datetime.datetime(2026, 11, 2, 11, tzinfo=AMS), tick=False):
        response = client.post(
            f"/casussen/{case_id}/contactpogingen/",
            {"channel": "phone", "result": "not_reached", "at": "2026-11-02T10:30", "note": "Voicemail"},
        )
        page = client.get(f"/casussen/{case_id}/").content.decode()

    assert response.status_code == 302 and response["Location"] == f"/casussen/{case_id}/#contacten"
    attempt = ContactAttempt.objects.get()
    assert (attempt.channel, attempt.result, attempt.note, attempt.by) == (
        "phone",
        "not_reached",
        "Voicemail",
        world.triage,
    )
    assert attempt.at.astimezone(datetime.UTC).hour == 9  # 10:30 Amsterdam time
    assert AccessEvent.objects.filter(action="case.contact.create", case_id=case_id).count() == 1
    assert "Voicemail" in page


def test_a_contact_attempt_needs_channel_and_result(world, web_as, case_in):
    case_id = case_in("outreach")

    response = web_as(world.triage).post(f"/casussen/{case_id}/contactpogingen/", {"channel": "pigeon"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="contact-channel-error"' in html and 'id="contact-result-error"' in html
    assert not ContactAttempt.objects.exists()


def test_a_contact_time_in_the_future_or_before_the_case_is_a_field_error(world, web_as, case_in):
    with time_machine.travel(datetime.datetime(2026, 11, 2, 9, tzinfo=AMS), tick=False):
        case_id = case_in("outreach")
    client = web_as(world.triage)

    with time_machine.travel(datetime.datetime(2026, 11, 2, 11, tzinfo=AMS), tick=False):
        for at, message in (
            ("2062-11-02T10:30", "Dit tijdstip ligt in de toekomst."),
            ("2026-11-01T10:30", "Dit tijdstip ligt vóór het begin van de casus (02-11-2026 09:00)."),
        ):
            response = client.post(
                f"/casussen/{case_id}/contactpogingen/", {"channel": "phone", "result": "reached", "at": at}
            )

            assert response.status_code == 400
            html = response.content.decode()
            assert 'id="contact-at-error"' in html
            assert message in html
            assert f'value="{at}"' in html  # the form keeps what was typed
    assert not ContactAttempt.objects.exists()


def test_the_lead_adds_a_goal_with_an_action(world, web_as, case_in):
    case_id = case_in("in_progress")

    response = web_as(world.professional_noord).post(
        f"/casussen/{case_id}/plan/doelen/",
        {
            "description": "Huurachterstand ingelopen",
            "actions_description": "Regeling met corporatie",
            "actions_owner": "Bewoner",
            "actions_due_date": "2026-12-31",
        },
    )

    assert response.status_code == 302
    goal = PlanGoal.objects.get()
    action = goal.actions.get()
    assert (goal.description, action.description, action.owner, str(action.due_date)) == (
        "Huurachterstand ingelopen",
        "Regeling met corporatie",
        "Bewoner",
        "2026-12-31",
    )


def test_a_goal_without_a_description_is_refused_at_the_field(world, web_as, case_in):
    case_id = case_in("in_progress")

    response = web_as(world.professional_noord).post(
        f"/casussen/{case_id}/plan/doelen/", {"description": "", "actions_due_date": "morgen"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="goal-description-error"' in html and 'id="goal-actions_due_date-error"' in html
    assert not PlanGoal.objects.exists()


def test_the_lead_adds_a_network_member(world, web_as, case_in):
    case_id = case_in("in_progress")

    response = web_as(world.professional_noord).post(
        f"/casussen/{case_id}/netwerk/",
        {"organisation": "Schuldhulp Noord", "role": "schuldhulpverlener", "person": "J. Smit"},
    )

    assert response.status_code == 302
    member = NetworkMember.objects.get()
    assert (member.organisation, member.role, member.person) == (
        "Schuldhulp Noord",
        "schuldhulpverlener",
        "J. Smit",
    )


def test_others_cannot_add_to_the_plan(world, web_as, case_in):
    case_id = case_in("in_progress")
    goal = {"description": "x"}

    assert web_as(world.professional_zuid).post(f"/casussen/{case_id}/plan/doelen/", goal).status_code == 404
    assert web_as(world.coordinator_noord).post(f"/casussen/{case_id}/plan/doelen/", goal).status_code == 403
    assert web_as(world.huisarts).post(f"/casussen/{case_id}/netwerk/", goal).status_code == 403
    assert not PlanGoal.objects.exists()
