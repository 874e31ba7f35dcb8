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


def test_a_triage_officer_who_also_leads_a_case_records_contacts_on_it(world, api_as):
    both = UserFactory.create(
        username="schakelpunt-en-regisseur",
        organisation=world.municipality,
        roles=[Role.TRIAGE.value, Role.PROFESSIONAL.value],
    )
    world.noord.members.add(both)
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "awaiting_lead")
    step(api_as, world.coordinator_noord, case_id, "assign_lead", lead=both.pk)
    step(api_as, both, case_id, "accept")

    page = _web(both).get(f"/casussen/{case_id}/").content.decode()
    response = api_as(both).post(
        f"/api/v1/cases/{case_id}/contacts/", {"channel": "phone", "result": "reached"}, format="json"
    )

    assert f'action="/casussen/{case_id}/contactpogingen/"' in page
    assert f'action="/casussen/{case_id}/plan/doelen/"' in page
    assert response.status_code == 201, response.content
    entry = AccessEvent.objects.get(action="case.contact.create", case_id=case_id)
    assert entry.role == Role.PROFESSIONAL


def test_a_triage_officer_who_leads_another_case_still_cannot_record_contacts_on_a_new_one(world, api_as):
    both = UserFactory.create(
        username="schakelpunt-en-regisseur",
        organisation=world.municipality,
        roles=[Role.TRIAGE.value, Role.PROFESSIONAL.value],
    )
    case_id = file_case(world, api_as, **household(1))

    page = _web(both).get(f"/casussen/{case_id}/").content.decode()
    response = api_as(both).post(
        f"/api/v1/cases/{case_id}/contacts/", {"channel": "phone", "result": "reached"}, format="json"
    )

    assert "contactpogingen/" not in page
    assert response.status_code == 409


@pytest.mark.parametrize("url", ["/api/v1/cases/{case_id}/fly_away/", "/casussen/{case_id}/stap/fly_away/"])
def test_an_unknown_step_is_not_found_and_logged_as_denied(world, api_as, url):
    case_id = file_case(world, api_as)
    path = url.format(case_id=case_id)
    client = api_as(world.triage) if path.startswith("/api/") else _web(world.triage)

    response = client.post(path, {})

    assert response.status_code == 404
    denied = AccessEvent.objects.get(event_type="denied", action=f"POST {path}")
    assert (denied.user_id, denied.detail["status"]) == (world.triage.pk, 404)
