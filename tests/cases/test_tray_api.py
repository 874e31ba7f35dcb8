"""``GET /api/v1/trays/`` and ``GET /api/v1/cases/?tray=``: the trays with their counts, in scope."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AccessEvent
from cases.demo import seed_demo_trays
from cases.models import Case, WorkTray

from .flow import advance, file_case


def _young() -> str:
    return (timezone.localdate() - datetime.timedelta(days=365 * 20)).isoformat()


def test_triage_sees_every_tray_with_its_intake_counts(world, api_as):
    seed_demo_trays()
    young = file_case(world, api_as, subject__date_of_birth=_young())
    file_case(
        world, api_as, partner_reference="H-2", subject__surname="Bakker", subject__date_of_birth="1970-05-05"
    )
    Case.objects.filter(pk=young).update(overdue=True)

    response = api_as(world.triage).get("/api/v1/trays/")

    assert response.status_code == 200
    trays = {row["name"]: row for row in response.json()}
    assert list(trays) == ["Dreiging", "Jongeren", "Gezinnen met kinderen", "Meerdere schuldeisers", "Overig"]
    assert trays["Jongeren"] == {
        "id": WorkTray.objects.get(name="Jongeren").pk,
        "name": "Jongeren",
        "recommended_action": "phone",
        "count": 1,
        "overdue": 1,
        "capped": False,
    }
    assert (trays["Overig"]["count"], trays["Overig"]["overdue"]) == (1, 0)
    assert trays["Dreiging"]["count"] == 0
    assert AccessEvent.objects.filter(action="tray.list", username="schakelpunt").exists()


def test_a_coordinator_counts_only_their_teams_cases(world, api_as):
    seed_demo_trays()
    noord = file_case(world, api_as, subject__date_of_birth=_young())
    file_case(
        world, api_as, partner_reference="H-2", subject__surname="Bakker", subject__date_of_birth="1970-05-05"
    )
    advance(world, api_as, noord, "awaiting_lead")

    noord_counts = {
        r["name"]: r["count"] for r in api_as(world.coordinator_noord).get("/api/v1/trays/").json()
    }
    zuid_counts = {r["name"]: r["count"] for r in api_as(world.coordinator_zuid).get("/api/v1/trays/").json()}

    assert noord_counts["Jongeren"] == 1 and noord_counts["Overig"] == 0
    assert set(zuid_counts.values()) == {0}


def test_partners_auditors_and_admins_get_no_trays(world, api_as):
    seed_demo_trays()
    for user in (world.corporatie, world.auditor, world.beheer):
        assert api_as(user).get("/api/v1/trays/").status_code == 403


def test_the_counts_are_one_query_whatever_the_number_of_trays(world, api_as):
    seed_demo_trays()
    file_case(world, api_as)
    from cases.trays import tray_counts

    with CaptureQueriesContext(connection) as queries:
        tray_counts(world.triage)
    assert len(queries.captured_queries) == 1


def test_the_case_list_filters_by_tray_and_carries_it(world, api_as):
    seed_demo_trays()
    young = file_case(world, api_as, subject__date_of_birth=_young())
    file_case(
        world, api_as, partner_reference="H-2", subject__surname="Bakker", subject__date_of_birth="1970-05-05"
    )
    tray = WorkTray.objects.get(name="Jongeren")

    rows = api_as(world.triage).get(f"/api/v1/cases/?tray={tray.pk}").json()["results"]

    assert [row["id"] for row in rows] == [young]
    assert rows[0]["tray"] == {"id": tray.pk, "name": "Jongeren", "recommended_action": "phone"}
    assert rows[0]["repeat"] is False and rows[0]["multiple"] is False
    assert api_as(world.triage).get("/api/v1/cases/?tray=x").status_code == 400
    assert api_as(world.triage).get("/api/v1/cases/?tray=999999").json()["results"] == []
