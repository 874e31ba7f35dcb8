"""Mijn signalen: the organisation's signals with the minimal status, logged like the API."""

from __future__ import annotations

import uuid

import pytest

from audit.models import AccessEvent
from signals.models import Signal
from tests.cases.flow import file_case
from tests.signals.payloads import signal


def test_partners_see_their_own_organisations_signals_and_the_list_is_logged(world, web_as, api_as):
    gp_signal = signal(partner_reference="HA-1", signal_type="gp_observation", consent_given=True)
    assert api_as(world.huisarts).post("/api/v1/signals/", gp_signal, format="json").status_code == 201
    file_case(world, api_as, partner_reference="CORP-1")  # filed by the housing corporation

    response = web_as(world.huisarts).get("/signalen/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "HA-1" in html and "Ontvangen" in html
    assert "CORP-1" not in html
    assert "Jansen" not in html  # no subject data on this page
    entry = AccessEvent.objects.get(action="signal.list")
    assert (entry.username, entry.event_type, entry.detail) == ("huisarts", "read", {"count": 1})


def test_the_status_follows_the_case(world, web_as, api_as, case_in):
    case_id = case_in("awaiting_lead")
    reference = Signal.objects.get(case_id=case_id).reference

    html = web_as(world.corporatie).get("/signalen/").content.decode()

    assert reference in html and "Opgepakt" in html


def test_a_signals_page_is_logged_as_a_signal_read(world, web_as, api_as):
    case_id = file_case(world, api_as)
    filed = Signal.objects.get(case_id=case_id)

    response = web_as(world.corporatie).get(f"/signalen/{filed.pk}/")

    assert response.status_code == 200
    assert filed.reference in response.content.decode()
    entry = AccessEvent.objects.get(action="signal.read")
    assert (entry.username, entry.object_id) == ("corporatie", str(filed.pk))


@pytest.mark.parametrize("signal_of", ["other organisation", "nobody"])
def test_another_organisations_signal_is_not_found(world, web_as, api_as, signal_of):
    case_id = file_case(world, api_as)  # a signal of the housing corporation
    signal_id = Signal.objects.get(case_id=case_id).pk if signal_of == "other organisation" else uuid.uuid4()

    response = web_as(world.huisarts).get(f"/signalen/{signal_id}/")

    assert response.status_code == 404
    assert not AccessEvent.objects.filter(action="signal.read").exists()
    denied = AccessEvent.objects.get(event_type="denied")
    assert (denied.username, denied.detail) == ("huisarts", {"status": 404, "code": "not_found"})


@pytest.mark.parametrize("actor", ["triage", "professional_noord", "auditor"])
def test_other_roles_have_no_signal_list(world, web_as, actor):
    assert web_as(getattr(world, actor)).get("/signalen/").status_code == 403
    assert not AccessEvent.objects.filter(action="signal.list").exists()
