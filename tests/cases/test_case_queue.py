"""Queues: overdue first, then priority, then age; filters; a constant number of queries."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case

from .flow import advance, file_case


def _case(world, api_as, n: int, **changes) -> str:
    return file_case(
        world,
        api_as,
        partner_reference=f"Q-{n}",
        subject__surname=f"Achternaam{n}",
        subject__date_of_birth=f"19{50 + n}-01-01",
        **changes,
    )


def test_queue_sorts_overdue_first_then_priority_then_age(world, api_as):
    old = _case(world, api_as, 1)
    urgent = _case(world, api_as, 2, threat="eviction")
    overdue = _case(world, api_as, 3)
    Case.objects.filter(pk=old).update(opened_at=timezone.now() - datetime.timedelta(days=3))
    Case.objects.filter(pk=overdue).update(overdue=True, due_at=timezone.now() - datetime.timedelta(hours=1))
    newer = _case(world, api_as, 4)

    rows = api_as(world.triage).get("/api/v1/cases/").json()["results"]

    assert [row["id"] for row in rows] == [overdue, urgent, old, newer]


def test_queue_filters(world, api_as):
    first = _case(world, api_as, 1)
    second = _case(world, api_as, 2, threat="eviction")
    advance(world, api_as, first, "in_progress")
    client = api_as(world.coordinator_noord)

    assert [r["id"] for r in client.get("/api/v1/cases/", {"state": "in_progress"}).json()["results"]] == [
        first
    ]
    assert client.get("/api/v1/cases/", {"team": str(world.zuid.pk)}).json()["results"] == []
    assert [
        r["id"] for r in client.get("/api/v1/cases/", {"lead": world.professional_noord.pk}).json()["results"]
    ] == [first]
    assert [
        r["id"] for r in api_as(world.triage).get("/api/v1/cases/", {"priority": 30}).json()["results"]
    ] == [second]
    assert api_as(world.triage).get("/api/v1/cases/", {"overdue": "true"}).json()["results"] == []
    assert api_as(world.triage).get("/api/v1/cases/", {"state": "flying"}).status_code == 400


def test_the_queue_costs_the_same_number_of_queries_for_few_and_many_cases(world, api_as):
    client = api_as(world.coordinator_noord)
    for n in range(3):
        advance(world, api_as, _case(world, api_as, n), "in_progress")
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/api/v1/cases/").json()["results"]) == 3
    for n in range(3, 12):
        advance(world, api_as, _case(world, api_as, n), "awaiting_lead")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/cases/").json()["results"]) == 12

    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_case_page_costs_the_same_number_of_queries_however_much_is_on_it(world, api_as):
    case_id = _case(world, api_as, 1)
    advance(world, api_as, case_id, "in_progress")
    client = api_as(world.professional_noord)

    def add(n: int) -> None:
        client.post(
            f"/api/v1/cases/{case_id}/contacts/",
            {"channel": "letter", "result": "not_reached"},
            format="json",
        )
        client.post(
            f"/api/v1/cases/{case_id}/plan/goals/",
            {"description": f"Doel {n}", "actions": [{"description": "a"}, {"description": "b"}]},
            format="json",
        )
        client.post(
            f"/api/v1/cases/{case_id}/network/", {"organisation": f"Org {n}", "role": "r"}, format="json"
        )

    add(0)
    with CaptureQueriesContext(connection) as small:
        client.get(f"/api/v1/cases/{case_id}/")
    for n in range(1, 5):
        add(n)
    with CaptureQueriesContext(connection) as large:
        client.get(f"/api/v1/cases/{case_id}/")

    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_queue_pages_by_cursor_without_gaps_or_repeats(world, api_as):
    ids = [_case(world, api_as, n, **({"threat": "eviction"} if n % 3 == 0 else {})) for n in range(7)]
    client = api_as(world.triage)

    seen: list[str] = []
    url: str | None = "/api/v1/cases/?page_size=3"
    pages = 0
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
        pages += 1

    assert pages == 3
    assert sorted(seen) == sorted(ids)
    assert seen == [row["id"] for row in client.get("/api/v1/cases/?page_size=200").json()["results"]]
    assert client.get("/api/v1/cases/?cursor=nonsense").status_code == 400


def test_the_triage_queue_merges_its_states_page_by_page_in_queue_order(world, api_as):
    ids = [_case(world, api_as, n, **({"threat": "eviction"} if n % 4 == 0 else {})) for n in range(9)]
    client = api_as(world.triage)
    for case_id in ids[1::3]:  # some in triage, some in outreach, the rest new
        assert client.post(f"/api/v1/cases/{case_id}/claim/", {}, format="json").status_code == 200
    for case_id in ids[2::3]:
        assert client.post(f"/api/v1/cases/{case_id}/claim/", {}, format="json").status_code == 200
        assert client.post(f"/api/v1/cases/{case_id}/start_outreach/", {}, format="json").status_code == 200

    seen: list[dict] = []
    url: str | None = "/api/v1/cases/?page_size=2"
    while url:
        body = client.get(url).json()
        seen += body["results"]
        url = body["next"]

    assert sorted(row["id"] for row in seen) == sorted(ids)
    assert {row["state"] for row in seen} == {"new", "triage", "outreach"}
    keys = [(-row["priority"], row["opened_at"]) for row in seen]
    assert keys == sorted(keys)  # urgent first, then oldest first, across the three states
