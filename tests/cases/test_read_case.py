"""Triage officers read cases: the queue and a case with its signals."""

from __future__ import annotations

import pytest
from django.db import connection

from audit.models import AccessEvent
from tests.signals.payloads import signal


@pytest.fixture
def case_id(world, api_as):
    response = api_as(world.corporatie).post("/api/v1/signals/", signal(threat="eviction"), format="json")
    assert response.status_code == 201
    from signals.models import Signal

    return str(Signal.objects.get(pk=response.json()["id"]).case_id)


def test_triage_sees_the_queue_without_personal_data(world, api_as, case_id):
    response = api_as(world.triage).get("/api/v1/cases/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [case_id]
    assert rows[0]["state"] == "new"
    assert rows[0]["priority"] == 30
    assert rows[0]["routed_team"]["name"] == "Noord"
    assert "Jansen" not in response.content.decode()


def test_triage_reads_the_case_with_its_signals(world, api_as, case_id):
    response = api_as(world.triage).get(f"/api/v1/cases/{case_id}/")

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "new"
    assert body["priority"] == 30
    assert body["routed_team"]["name"] == "Noord"
    assert body["team"] is None
    [filed] = body["signals"]
    assert filed["subject"]["surname"] == "Jansen-de Vries"
    assert filed["subject"]["postcode"] == "1012AB"
    assert filed["organisation"] == "Woonstichting Thuis"


def test_the_read_is_in_the_access_log_with_a_pseudonymous_subject(world, api_as, case_id):
    api_as(world.triage).get(f"/api/v1/cases/{case_id}/")

    entry = AccessEvent.objects.get(action="case.read")
    assert entry.username == "schakelpunt"
    assert entry.role == "triage"
    assert str(entry.case_id) == case_id
    assert entry.subject_id and entry.subject_id != "Jansen-de Vries"
    assert entry.outcome == "success"


@pytest.mark.parametrize("actor", ["huisarts", "corporatie", "auditor", "beheer"])
def test_partners_auditors_and_admins_cannot_read_cases(world, api_as, case_id, actor):
    client = api_as(getattr(world, actor))

    assert client.get("/api/v1/cases/").status_code == 403
    assert client.get(f"/api/v1/cases/{case_id}/").status_code == 403


@pytest.mark.parametrize("actor", ["coordinator_noord", "professional_noord", "coordinator_zuid"])
def test_a_case_not_yet_referred_is_not_found_for_teams(world, api_as, case_id, actor):
    client = api_as(getattr(world, actor))

    assert client.get(f"/api/v1/cases/{case_id}/").status_code == 404
    assert client.get("/api/v1/cases/").json()["results"] == []


def test_a_denied_read_is_logged(world, api_as, case_id):
    api_as(world.coordinator_zuid).get(f"/api/v1/cases/{case_id}/")

    entry = AccessEvent.objects.get(event_type="denied", username="coordinator-zuid")
    assert entry.outcome == "denied"


def test_when_the_access_log_cannot_be_written_no_case_data_is_served(world, api_as, case_id):
    client = api_as(world.triage)
    client.raise_request_exception = False
    with connection.cursor() as cursor:
        # Inside the test's transaction: rolled back when the test ends.
        cursor.execute(f"ALTER TABLE {AccessEvent._meta.db_table} RENAME TO audit_unavailable")

    response = client.get(f"/api/v1/cases/{case_id}/")

    assert response.status_code == 500
    assert b"Jansen" not in response.content
