"""The auditor's pages: the access log with filters, CSV export and the integrity check."""

from __future__ import annotations

import csv
import io

import pytest

from audit.models import AccessEvent, VerificationRun
from audit.tasks import verify_audit_log as daily_check
from tests.audit.conftest import behind_the_back

from .conftest import household


def test_the_access_log_page_lists_entries_and_logs_its_own_read(world, web_as, case_in):
    case_in("new")

    response = web_as(world.auditor).get("/toegangslog/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "signal.create" in html
    assert "Jansen" not in html  # log fields only, never case content
    entry = AccessEvent.objects.get(action="audit.events.list")
    assert (entry.username, entry.event_type, entry.detail["rows"]) == ("auditor", "read", 2)


def test_who_saw_this_case(world, web_as, case_in):
    case_id = case_in("awaiting_lead")
    other = case_in("new", **household(1))
    web_as(world.coordinator_noord).get(f"/casussen/{case_id}/")

    response = web_as(world.auditor).get("/toegangslog/", {"case": case_id, "action": "case.read"})

    html = response.content.decode()
    assert "Wie zag deze casus?" in html
    assert "coordinator-noord" in html
    assert other[:8] not in html
    entry = AccessEvent.objects.get(action="audit.events.list")
    assert entry.detail["filters"] == {"case": case_id, "action": "case.read"}
    assert entry.detail["rows"] == 1


def test_filters_by_user_and_period(world, web_as):
    client = web_as(world.auditor)
    web_as(world.huisarts).get("/signalen/")

    by_user = client.get("/toegangslog/", {"user": world.huisarts.pk}).content.decode()
    future = client.get("/toegangslog/", {"since": "2999-01-01"}).content.decode()
    bad = client.get("/toegangslog/", {"since": "gisteren", "case": "geen-uuid"})

    assert "signal.list" in by_user
    assert "Geen regels met deze filters." in future
    assert bad.status_code == 400
    assert (
        'id="events-since-error"' in bad.content.decode() and 'id="events-case-error"' in bad.content.decode()
    )


def test_the_csv_export_is_logged_before_it_is_served(world, web_as, case_in):
    case_id = case_in("new")

    response = web_as(world.auditor).get("/toegangslog/export.csv", {"case": case_id})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="toegangslog-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["action"] for row in rows} == {"signal.create"}
    export = AccessEvent.objects.get(action="audit.events.export")
    assert (export.event_type, export.detail) == ("export", {"filters": {"case": case_id}})


def test_the_integrity_check_is_started_from_the_page_and_logged(world, web_as, case_in):
    case_in("new")
    client = web_as(world.auditor)

    assert "Er is nog geen controle afgerond." in client.get("/toegangslog/integriteit/").content.decode()
    response = client.post("/toegangslog/integriteit/")

    run = VerificationRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/toegangslog/integriteit/{run.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert "In de wachtrij" in html  # it starts once this request has committed
    entry = AccessEvent.objects.get(action="audit.verify.start")
    assert (entry.outcome, entry.object_id, entry.detail["via"]) == ("success", str(run.pk), "web")


def test_tampering_found_by_the_daily_check_shows_up(world, web_as, case_in):
    case_in("new")
    first = AccessEvent.objects.order_by("id")[0]
    behind_the_back("UPDATE audit_accessevent SET username = 'iemand' WHERE id = %s", [first.pk])
    daily_check()

    response = web_as(world.auditor).get("/toegangslog/integriteit/")

    html = response.content.decode()
    assert "Niet in orde:" in html and f"nummer {first.pk}" in html


@pytest.mark.parametrize(
    "url",
    [
        "/toegangslog/",
        "/toegangslog/export.csv",
        "/toegangslog/integriteit/",
        "/toegangslog/integriteit/00000000-0000-4000-8000-000000000000/",
    ],
)
@pytest.mark.parametrize("actor", ["huisarts", "triage", "coordinator_noord", "professional_noord", "beheer"])
def test_only_auditors(world, web_as, url, actor):
    assert web_as(getattr(world, actor)).get(url).status_code == 403
    assert not AccessEvent.objects.filter(object_type="access_log").exists()
