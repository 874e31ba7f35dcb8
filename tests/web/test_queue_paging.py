"""Queue pages page by key: next and previous links carry the last or first row's sort
keys, so a page costs the same queries wherever it is, a case arriving at the top does
not shift the pages, and the count stops at a cap instead of counting the whole scope."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casefile import views
from cases import selectors
from cases.models import Case, Priority

from .conftest import household
from .test_queues import references


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]*)" rel="{rel}">', page)
    return html.unescape(found.group(1)) if found else None


def follow(page: str, rel: str) -> str:
    found = link(page, rel)
    assert found is not None, f"no {rel} link"
    return found


def walk(client, url: str, rel: str = "next") -> list[list[str]]:
    """The references on each page from ``url`` on, following the ``rel`` links."""
    pages: list[list[str]] = []
    target: str | None = url
    while target is not None:
        page = client.get(target).content.decode()
        pages.append(references(page))
        following = link(page, rel)
        target = f"{urlsplit(url).path}{following}" if following else None
        assert len(pages) < 20, "the links go round in circles"
    return pages


@pytest.fixture
def pages_of_two(monkeypatch):
    monkeypatch.setattr(views, "PER_PAGE", 2)


def test_next_and_previous_links_walk_the_queue_without_gaps_or_repeats(world, web_as, case_in, pages_of_two):
    ids = [case_in("new", **household(n)) for n in range(5)]
    Case.objects.filter(pk=ids[3]).update(priority=Priority.URGENT)
    Case.objects.filter(pk=ids[4]).update(overdue=True)
    client = web_as(world.triage)

    forwards = walk(client, "/casussen/intake/")
    last_page = client.get("/casussen/intake/").content.decode()
    for _ in range(2):
        last_page = client.get("/casussen/intake/" + follow(last_page, "next")).content.decode()
    arrived = case_in("new", **household(8))  # while the officer reads the last page
    Case.objects.filter(pk=arrived).update(overdue=True)
    backwards = walk(client, "/casussen/intake/" + follow(last_page, "prev"), rel="prev")

    by_rank = [Case.objects.get(pk=pk).reference for pk in (ids[4], ids[3], ids[0], ids[1], ids[2])]
    assert forwards == [by_rank[0:2], by_rank[2:4], by_rank[4:5]]
    assert "Pagina 3 van 3" in last_page and link(last_page, "next") is None
    # Back one page is the page seen before; back on the first, the queue as it is now
    # (both overdue, the older first).
    assert backwards == [by_rank[2:4], [by_rank[0], Case.objects.get(pk=arrived).reference]]
    first = client.get("/casussen/intake/").content.decode()
    assert "Pagina 1 van 3" in first and link(first, "prev") is None


def test_a_case_arriving_at_the_top_does_not_shift_the_next_page(world, web_as, case_in, pages_of_two):
    ids = [case_in("new", **household(n)) for n in range(3)]
    client = web_as(world.triage)
    first = client.get("/casussen/intake/").content.decode()

    late = case_in("new", **household(7))
    Case.objects.filter(pk=late).update(overdue=True)
    second = client.get("/casussen/intake/" + follow(first, "next")).content.decode()

    assert references(first) == [Case.objects.get(pk=pk).reference for pk in ids[:2]]
    assert references(second) == [Case.objects.get(pk=ids[2]).reference]


def test_the_links_carry_sort_keys_and_the_filters_never_a_page_offset(world, web_as, case_in, pages_of_two):
    for n in range(3):
        urgent = case_in("new", **household(n))
        Case.objects.filter(pk=urgent).update(priority=Priority.URGENT)
    case_in("new", **household(5))
    client = web_as(world.triage)

    pages = walk(client, "/casussen/intake/?priority=30")
    following = follow(client.get("/casussen/intake/", {"priority": "30"}).content.decode(), "next")

    assert [len(page) for page in pages] == [2, 1]  # the normal case never shows
    query = parse_qs(urlsplit(following).query)
    assert query["priority"] == ["30"] and query["cursor"]
    # An edited cursor shows the first page instead of an error.
    edited = client.get("/casussen/intake/", {"cursor": "bm9uc2Vuc2U", "page": "2"})
    assert edited.status_code == 200 and references(edited.content.decode()) == pages[0]


def test_the_count_stops_at_the_cap_and_says_so(world, web_as, case_in, pages_of_two, monkeypatch):
    for n in range(4):
        case_in("new", **household(n))
    client = web_as(world.triage)
    monkeypatch.setattr(selectors, "QUEUE_COUNT_CAP", 3)

    capped = client.get("/casussen/intake/").content.decode()
    monkeypatch.setattr(selectors, "QUEUE_COUNT_CAP", 4)
    exact = client.get("/casussen/intake/").content.decode()

    assert "Meer dan 3 casussen" in capped and "Pagina 1</p>" in capped
    assert "4 casussen" in exact and "Meer dan" not in exact and "Pagina 1 van 2" in exact


@pytest.mark.parametrize(
    ("url", "actor", "state"),
    [
        ("/casussen/intake/", "triage", "new"),
        ("/casussen/team/", "coordinator_noord", "awaiting_lead"),
        ("/casussen/mijn/", "professional_noord", "lead_assigned"),
    ],
)
def test_a_deep_page_costs_the_same_queries_as_the_first_without_offset_or_full_count(
    world, web_as, case_in, pages_of_two, url, actor, state
):
    for n in range(7):
        case_in(state, **household(n))
    client = web_as(getattr(world, actor))
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        page = client.get(url).content.decode()
    for _ in range(2):
        page = client.get(url + follow(page, "next")).content.decode()
    with CaptureQueriesContext(connection) as deep:
        page = client.get(url + follow(page, "next")).content.decode()

    assert len(references(page)) == 1  # the fourth page of two, the seventh case
    assert len(deep) == len(first)
    for query in deep.captured_queries:
        sql = query["sql"].upper()
        assert " OFFSET " not in sql
        if "COUNT(" in sql and "CASES_CASE" in sql:
            assert " LIMIT " in sql, sql
