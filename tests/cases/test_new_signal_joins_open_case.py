"""A new signal for a household with an open case joins it, raises it, and tells the lead."""

from __future__ import annotations

from django.core import mail

from cases.models import Case, Priority
from signals.models import Signal
from tests.signals.payloads import signal

from .flow import advance, file_case


def test_new_signal_attaches_raises_priority_appears_in_timeline_and_notifies_the_lead(
    world, api_as, django_capture_on_commit_callbacks
):
    world.professional_noord.email = "piet@gemeente.example"
    world.professional_noord.save()
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(world.energie).post(
            "/api/v1/signals/",
            signal(signal_type="energy_arrears", partner_reference="E-1", subject__surname="JANSEN DE VRIES"),
            format="json",
        )

    assert response.status_code == 201
    # The receipt says nothing of the case it joined (no oracle for partners).
    assert response.json()["status"] == "received"
    assert str(Signal.objects.get(pk=response.json()["id"]).case_id) == case_id
    case = Case.objects.get(pk=case_id)
    assert case.signal_count == 2
    assert case.priority == Priority.RAISED
    timeline = api_as(world.professional_noord).get(f"/api/v1/cases/{case_id}/").json()["timeline"]
    assert [item["kind"] for item in timeline].count("signal") == 2
    [message] = mail.outbox
    assert message.to == ["piet@gemeente.example"]
    assert case.reference in message.subject
    assert "Jansen" not in message.body and "Jansen" not in message.subject
    assert case_id in message.body


def test_nobody_is_mailed_before_the_signal_commits(world, api_as, django_capture_on_commit_callbacks):
    world.professional_noord.email = "piet@gemeente.example"
    world.professional_noord.save()
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api_as(world.energie).post("/api/v1/signals/", signal(signal_type="energy_arrears"), format="json")

    assert mail.outbox == []
    assert len(callbacks) == 1


def test_a_signal_for_a_closed_case_opens_a_new_case_for_the_same_household(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "triage")
    api_as(world.triage).post(
        f"/api/v1/cases/{case_id}/close/", {"outcome": "not_picked_up_unfounded"}, format="json"
    )

    response = api_as(world.energie).post(
        "/api/v1/signals/", signal(signal_type="energy_arrears"), format="json"
    )

    new_case = Signal.objects.get(pk=response.json()["id"]).case
    assert new_case is not None
    assert str(new_case.pk) != case_id
    assert new_case.household_id == Case.objects.get(pk=case_id).household_id
    assert new_case.state == "new"
