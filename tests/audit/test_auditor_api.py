"""The auditor browses, filters and exports the access log; nobody else gets in."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.export import FIELDS
from audit.models import AccessEvent
from audit.services import record

EVENTS = "/api/v1/audit/events/"


@pytest.fixture
def case_id() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def log(world, case_id, monkeypatch) -> dict[str, AccessEvent]:
    """Entries at known times: who read which case, a transition, a denial."""

    def at(moment: datetime, **kwargs) -> AccessEvent:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return record(**kwargs)

    entries = {
        "triage_reads": at(
            datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
            actor=world.triage,
            event_type="read",
            action="case.read",
            case_id=case_id,
        ),
        "professional_reads_other": at(
            datetime(2025, 3, 2, 10, 0, tzinfo=UTC),
            actor=world.professional_noord,
            event_type="read",
            action="case.read",
            case_id=uuid.uuid4(),
        ),
        "coordinator_transition": at(
            datetime(2025, 3, 3, 11, 0, tzinfo=UTC),
            actor=world.coordinator_noord,
            event_type="transition",
            action="case.assign_lead",
            case_id=case_id,
        ),
        "break_glass": at(
            datetime(2025, 3, 4, 12, 0, tzinfo=UTC),
            actor=world.coordinator_zuid,
            event_type="read",
            action="case.read",
            case_id=case_id,
            break_glass=True,
            purpose="Spoedmelding buiten eigen wijk",
        ),
        "denied": at(
            datetime(2025, 3, 5, 13, 0, tzinfo=UTC),
            actor=world.huisarts,
            event_type="denied",
            action="GET /api/v1/cases/",
            outcome="denied",
        ),
    }
    monkeypatch.undo()
    return entries


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_auditor_sees_the_log_newest_first(log, world, api_as):
    response = api_as(world.auditor).get(EVENTS)

    assert _ids(response) == [e.pk for e in reversed(log.values())]
    # Log fields only, with the case's reference and the action in words beside them.
    assert set(response.json()["results"][0]) == {*FIELDS, "case_reference", "action_label"}
    assert response.json()["results"][-1]["action_label"] == "Casus ingezien"


def test_who_saw_this_case(log, world, api_as, case_id):
    response = api_as(world.auditor).get(EVENTS, {"case": str(case_id)})

    assert _ids(response) == [log["break_glass"].pk, log["coordinator_transition"].pk, log["triage_reads"].pk]
    glass = response.json()["results"][0]
    assert (glass["break_glass"], glass["purpose"]) == (True, "Spoedmelding buiten eigen wijk")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "case.read"}, ["break_glass", "professional_reads_other", "triage_reads"]),
        ({"event_type": "denied"}, ["denied"]),
        ({"since": "2025-03-03"}, ["denied", "break_glass", "coordinator_transition"]),
        ({"until": "2025-03-02"}, ["professional_reads_other", "triage_reads"]),
        (
            {"since": "2025-03-02T10:00:00+00:00", "until": "2025-03-04T12:00:00Z"},
            ["break_glass", "coordinator_transition", "professional_reads_other"],
        ),
        ({"since": "2025-03-02T12:00", "until": "2025-03-03"}, ["coordinator_transition"]),
    ],
)
def test_filters_by_action_type_and_period(log, world, api_as, params, expected):
    response = api_as(world.auditor).get(EVENTS, params)

    assert _ids(response) == [log[name].pk for name in expected]


def test_filter_by_user(log, world, api_as):
    response = api_as(world.auditor).get(EVENTS, {"user": world.triage.pk})

    assert _ids(response) == [log["triage_reads"].pk]


def test_the_list_pages_by_key_forwards_backwards_and_to_the_oldest(log, world, api_as):
    client = api_as(world.auditor)
    first = client.get(EVENTS, {"page_size": 2})
    assert (first.json()["count"], first.json()["count_exact"]) == (5, True)
    assert first.json()["previous"] is None

    second = client.get(first.json()["next"])
    assert _ids(second) == [log["coordinator_transition"].pk, log["professional_reads_other"].pk]
    third = client.get(second.json()["next"])
    assert _ids(third) == [log["triage_reads"].pk]
    assert third.json()["next"] is None

    back = client.get(third.json()["previous"])
    assert _ids(back) == _ids(second)
    oldest = client.get(EVENTS, {"page_size": 2, "last": "1"})
    assert _ids(oldest) == [log["professional_reads_other"].pk, log["triage_reads"].pk]
    assert oldest.json()["next"] is None and oldest.json()["previous"]


def test_an_edited_cursor_is_refused_by_name(log, world, api_as):
    response = api_as(world.auditor).get(EVENTS, {"cursor": "bm90IGEgY3Vyc29y"})

    assert response.status_code == 400
    assert "cursor" in response.json()


def test_the_count_stops_at_its_cap(log, world, api_as, monkeypatch):
    monkeypatch.setattr("audit.selectors.COUNT_CAP", 3)

    body = api_as(world.auditor).get(EVENTS).json()

    assert (body["count"], body["count_exact"]) == (4, False)


@pytest.mark.parametrize(
    "params", [{"since": "gisteren"}, {"until": "2025-02-30"}, {"case": "42"}, {"user": "x"}]
)
def test_bad_filters_are_named(world, api_as, params):
    response = api_as(world.auditor).get(EVENTS, params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_every_auditor_query_is_itself_logged(log, world, api_as, case_id):
    api_as(world.auditor).get(EVENTS, {"case": str(case_id)})

    entry = AccessEvent.objects.get(action="audit.events.list")
    assert (entry.event_type, entry.user_id, entry.role) == ("read", world.auditor.pk, "auditor")
    assert entry.detail["filters"] == {"case": str(case_id)}


def test_csv_export_streams_the_filtered_set_and_is_logged(log, world, api_as, case_id):
    response = api_as(world.auditor).get(EVENTS, {"case": str(case_id), "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="toegangslog-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [int(row["id"]) for row in rows] == [
        log["break_glass"].pk,
        log["coordinator_transition"].pk,
        log["triage_reads"].pk,
    ]
    assert list(rows[0]) == FIELDS
    assert rows[2]["username"] == "schakelpunt"
    assert rows[2]["occurred_at"] == "2025-03-01T09:00:00+00:00"
    export = AccessEvent.objects.get(event_type="export")
    assert (export.action, export.user_id) == ("audit.events.export", world.auditor.pk)


def test_csv_cells_cannot_smuggle_spreadsheet_formulas(world, api_as):
    record(actor=None, username='=HYPERLINK("http://evil")', event_type="login_failed", action="login")

    response = api_as(world.auditor).get(EVENTS, {"format": "csv"})

    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in body


@pytest.mark.parametrize("actor", ["huisarts", "triage", "coordinator_noord", "beheer"])
@pytest.mark.parametrize("url", [EVENTS, f"{EVENTS}?format=csv", "/api/v1/audit/verify/"])
def test_only_auditors_get_in(log, world, api_as, actor, url):
    response = api_as(getattr(world, actor)).get(url)

    assert response.status_code == 403
    assert not AccessEvent.objects.filter(event_type__in=["export", "verify"]).exists()
    assert AccessEvent.objects.filter(event_type="denied", user_id=getattr(world, actor).pk).exists()


def test_anonymous_callers_are_refused(db, api_as):
    assert api_as(None).get(EVENTS).status_code == 401
    assert api_as(None).get("/api/v1/audit/verify/").status_code == 401


def test_verify_endpoint_reports_the_latest_finished_check(log, world, api_as):
    call_command("verify_audit_log", stdout=io.StringIO())

    response = api_as(world.auditor).get("/api/v1/audit/verify/")

    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["checked"], body["first_bad"]) == (True, 5, None)
    assert body["checked_at"] is not None
