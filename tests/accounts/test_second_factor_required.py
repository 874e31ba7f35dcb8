"""A coordinator who must have a second factor and has none opens no case: not by page, not by API.

With ``REQUIRE_SECOND_FACTOR`` on, such a user is logged in after the
password but every page sends them to the enrolment page, and the API
answers 403 with the code ``second_factor_required``, for a token and a
session alike. With a factor given, the same requests succeed.
"""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AccessEvent
from cases.models import Case
from tests.cases.flow import advance, file_case

from .factor import current_code, give_factor

PASSWORD = "test-password-123"


@pytest.fixture
def case_id(world, api_as, settings):
    # Made while the setting is off: the actors of the flow have no factor.
    settings.REQUIRE_SECOND_FACTOR = False
    case = file_case(world, api_as)
    advance(world, api_as, case, "awaiting_lead")
    settings.REQUIRE_SECOND_FACTOR = True
    return case


def password_login(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def test_the_page_sends_a_coordinator_without_a_factor_to_enrolment(world, case_id):
    client = password_login("coordinator-noord")

    for path in (f"/casussen/{case_id}/", "/casussen/team/", "/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/tweede-factor/", path
    page = client.get("/accounts/tweede-factor/")
    assert page.status_code == 200
    assert "Voor uw rol is een tweede factor verplicht" in page.content.decode()
    assert "Teamwachtrij" not in page.content.decode()  # no menu to pages that would send them back
    assert not AccessEvent.objects.filter(case_id=case_id, username="coordinator-noord").exists()


def test_a_case_step_posted_without_the_factor_changes_nothing(world, case_id):
    client = password_login("coordinator-noord")

    response = client.post(f"/casussen/{case_id}/stap/assign_lead/", {"lead": world.professional_noord.pk})

    assert response.status_code == 302 and response["Location"] == "/accounts/tweede-factor/"
    assert Case.objects.get(pk=case_id).state == "awaiting_lead"


def test_the_api_refuses_a_token_of_a_coordinator_without_a_factor(world, case_id, api_as):
    response = api_as(world.coordinator_noord).get(f"/api/v1/cases/{case_id}/")

    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"
    denied = AccessEvent.objects.get(event_type="denied", action=f"GET /api/v1/cases/{case_id}/")
    assert denied.user_id == world.coordinator_noord.pk
    assert denied.detail == {"status": 403, "code": "second_factor_required"}
    assert not AccessEvent.objects.filter(case_id=case_id, event_type="read").exists()


def test_the_api_refuses_a_session_that_did_not_pass_the_factor(world, case_id):
    client = password_login("coordinator-noord")

    response = client.get(f"/api/v1/cases/{case_id}/")

    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"


def test_with_the_factor_given_the_coordinator_opens_the_case(world, case_id, api_as):
    device = give_factor(world.coordinator_noord)
    client = Client()
    client.post("/accounts/login/", {"username": "coordinator-noord", "password": PASSWORD})
    response = client.post("/accounts/login/code/", {"otp": current_code(device)})
    assert response.status_code == 302

    assert client.get(f"/casussen/{case_id}/").status_code == 200
    assert client.get(f"/api/v1/cases/{case_id}/").status_code == 200
    # A token (issued after the second factor) works once the user has one.
    assert api_as(world.coordinator_noord).get(f"/api/v1/cases/{case_id}/").status_code == 200


def test_a_session_with_a_factor_that_skipped_the_code_is_sent_to_the_code_page(world, case_id):
    give_factor(world.coordinator_noord)
    client = Client()
    client.force_login(world.coordinator_noord)  # as a session from before the factor was set up

    response = client.get(f"/casussen/{case_id}/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/code/?next=%2Fcasussen%2F{case_id}%2F"
    assert client.get(f"/api/v1/cases/{case_id}/").status_code == 403


def test_partners_need_no_factor(world, api_as, settings):
    settings.REQUIRE_SECOND_FACTOR = True
    client = password_login("corporatie")

    assert client.get("/signalen/").status_code == 200
    assert api_as(world.corporatie).get("/api/v1/signals/").status_code == 200


def test_with_the_setting_off_no_factor_is_asked(world, case_id, api_as, settings):
    settings.REQUIRE_SECOND_FACTOR = False
    client = password_login("coordinator-noord")

    assert client.get(f"/casussen/{case_id}/").status_code == 200
    assert api_as(world.coordinator_noord).get(f"/api/v1/cases/{case_id}/").status_code == 200
