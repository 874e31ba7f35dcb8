"""Queue pages: intake, team and mine, scoped like the API, overdue first, logged as case.list."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AccessEvent
from cases.models import Case, Priority

from .conftest import household


def references(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/casussen/[0-9a-f-]+/">(C-[A-Z0-9-]+)</a>', html)


def test_the_intake_lists_new_cases_and_logs_the_read(world, web_as, case_in):
    case_id = case_in("new")
    reference = Case.objects.get(pk=case_id).reference

    response = web_as(world.triage).get("/casussen/intake/")

    assert response.status_code == 200
    assert references(response.content.decode()) == [reference]
    entry = AccessEvent.objects.get(action="case.list")
    assert (entry.username, entry.role, entry.detail) == ("schakelpunt", "triage", {"count": 1})


def test_overdue_first_then_priority_shown_as_text(world, web_as, case_in):
    normal = case_in("new", partner_reference="A")
    urgent = case_in("new", **household(1))
    late = case_in("new", **household(2))
    Case.objects.filter(pk=urgent).update(priority=Priority.URGENT)
    Case.objects.filter(pk=late).update(overdue=True)
    refs = {pk: Case.objects.get(pk=pk).reference for pk in (normal, urgent, late)}

    html = web_as(world.triage).get("/casussen/intake/").content.decode()

    assert references(html) == [refs[late], refs[urgent], refs[normal]]
    assert "Te laat" in html and "Urgent" in html and "Normaal" in html


def test_filters(world, web_as, case_in):
    case_in("new", partner_reference="A")
    urgent = case_in("new", **household(1))
    Case.objects.filter(pk=urgent).update(priority=Priority.URGENT)
    client = web_as(world.triage)

    assert references(client.get("/casussen/intake/", {"priority": "30"}).content.decode()) == [
        Case.objects.get(pk=urgent).reference
    ]
    assert references(client.get("/casussen/intake/", {"overdue": "true"}).content.decode()) == []
    bad = client.get("/casussen/intake/", {"priority": "99"})
    assert bad.status_code == 200 and 'id="filter-priority-error"' in bad.content.decode()


def test_team_queues_are_per_team(world, web_as, case_in):
    case_id = case_in("awaiting_lead")
    reference = Case.objects.get(pk=case_id).reference

    assert references(web_as(world.coordinator_noord).get("/casussen/team/").content.decode()) == [reference]
    assert references(web_as(world.coordinator_zuid).get("/casussen/team/").content.decode()) == []
    assert references(web_as(world.triage).get("/casussen/intake/").content.decode()) == []


def test_mine_lists_the_cases_a_professional_leads(world, web_as, case_in):
    case_id = case_in("lead_assigned")
    reference = Case.objects.get(pk=case_id).reference

    assert references(web_as(world.professional_noord).get("/casussen/mijn/").content.decode()) == [reference]
    assert references(web_as(world.professional_zuid).get("/casussen/mijn/").content.decode()) == []


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("/casussen/intake/", "triage"),
        ("/casussen/team/", "coordinator_noord"),
        ("/casussen/mijn/", "professional_noord"),
    ],
)
@pytest.mark.parametrize(
    "actor", ["huisarts", "triage", "coordinator_noord", "professional_noord", "auditor", "beheer"]
)
def test_each_queue_is_for_its_role(world, web_as, url, allowed, actor):
    status = web_as(getattr(world, actor)).get(url).status_code

    assert status == (200 if actor == allowed else 403)


def test_a_queue_page_costs_the_same_queries_for_more_cases(world, web_as, case_in):
    client = web_as(world.triage)
    case_in("new", partner_reference="A")
    client.get("/casussen/intake/")
    with CaptureQueriesContext(connection) as few:
        client.get("/casussen/intake/")
    for n in range(4):
        case_in("new", **household(n))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/casussen/intake/")

    assert len(references(response.content.decode())) == 5
    assert len(many) == len(few)


def test_pages_of_twenty_five(world, web_as, case_in):
    for n in range(26):
        case_in("new", **household(n))
    client = web_as(world.triage)

    first = client.get("/casussen/intake/").content.decode()
    following = re.search(r'<a href="(\?[^"]*)" rel="next">', first)
    assert following is not None
    second = client.get("/casussen/intake/" + html.unescape(following.group(1))).content.decode()

    assert len(references(first)) == 25 and len(references(second)) == 1
    assert "Pagina 1 van 2" in first and "Pagina 2 van 2" in second
    assert "cursor=" in following.group(1)  # paged by key, not by page number (OFFSET)
