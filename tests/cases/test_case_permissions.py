"""Who may act on a case, asked of one place (``cases.permissions``) by the services, the API and the page."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AccessEvent
from coordination.models import Role
from tests.factories import UserFactory
from tests.web.conftest import household

from .flow import advance, file_case, step


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("body", [{}, {"reason": "   "}])
def test_a_step_that_is_not_yours_is_refused_before_its_arguments_are_looked_at(world, api_as, body):
    # The coordinator sees the case (their team's), but declining it is the lead's
    # step: "give a reason" is not what they are told.
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "lead_assigned")

    api = api_as(world.coordinator_noord).post(f"/api/v1/cases/{case_id}/decline/", body, format="json")
    page = _web(world.coordinator_noord).post(f"/casussen/{case_id}/stap/decline/", body)

    assert (api.status_code, page.status_code) == (403, 403)
    assert "reason" not in api.json()
    assert AccessEvent.objects.filter(event_type="denied", user_id=world.coordinator_noord.pk).count() == 2


def test_a_triage_officer_who_also_leads_a_case_records_contacts_on_it_but_not_on_a_new_one(world, api_as):
    both = UserFactory.create(
        username="schakelpunt-en-regisseur",
        organisation=world.municipality,
        roles=[Role.TRIAGE.value, Role.PROFESSIONAL.value],
    )
    world.noord.members.add(both)
    led = file_case(world, api_as)
    advance(world, api_as, led, "awaiting_lead")
    step(api_as, world.coordinator_noord, led, "assign_lead", lead=both.pk)
    step(api_as, both, led, "accept")
    new = file_case(world, api_as, **household(1))
    contact = {"channel": "phone", "result": "reached"}

    led_page = _web(both).get(f"/casussen/{led}/").content.decode()
    on_led = api_as(both).post(f"/api/v1/cases/{led}/contacts/", contact, format="json")
    new_page = _web(both).get(f"/casussen/{new}/").content.decode()
    on_new = api_as(both).post(f"/api/v1/cases/{new}/contacts/", contact, format="json")

    # As the lead of a case in progress: the contact and plan forms, and the contact is theirs to record.
    assert f'action="/casussen/{led}/contactpogingen/"' in led_page
    assert f'action="/casussen/{led}/plan/doelen/"' in led_page
    assert on_led.status_code == 201, on_led.content
    assert AccessEvent.objects.get(action="case.contact.create", case_id=led).role == Role.PROFESSIONAL
    # As a triage officer on a case nobody claimed yet: nothing to record.
    assert "contactpogingen/" not in new_page
    assert on_new.status_code == 409


def test_an_unknown_step_is_not_found_and_logged_as_denied_by_the_api_and_the_page(world, api_as):
    case_id = file_case(world, api_as)
    api_path = f"/api/v1/cases/{case_id}/fly_away/"
    web_path = f"/casussen/{case_id}/stap/fly_away/"

    answers = (
        api_as(world.triage).post(api_path, {}).status_code,
        _web(world.triage).post(web_path, {}).status_code,
    )

    assert answers == (404, 404)
    for path in (api_path, web_path):
        denied = AccessEvent.objects.get(event_type="denied", action=f"POST {path}")
        assert (denied.user_id, denied.detail["status"]) == (world.triage.pk, 404)
