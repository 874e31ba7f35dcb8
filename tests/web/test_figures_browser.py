"""The figures page in a real browser, and the figures API over HTTP from a live server.

A coordinator opens ``/cijfers/`` from the navigation, reads the chart of
signals per month and the table behind it, narrows the page to one district,
and downloads a table as CSV; every state of the page passes axe-core and is
photographed at both sizes.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from cases.models import Case
from tests.cases.flow import file_case

from .browser import Inspector
from .test_browser_flow import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browse(chromium, live_server, settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = chromium.new_context(
        viewport={"width": 1280, "height": 800}, locale="nl-NL", accept_downloads=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base = live_server.url
    yield page
    context.close()


def _six_cases(world: Any, api_as: Any) -> None:
    for n in range(6):
        file_case(
            world,
            api_as,
            partner_reference=f"FIG-B-{n}",
            subject__surname=f"Cijfer{n}",
            subject__date_of_birth=f"19{60 + n}-03-0{1 + n}",
        )
    Case.objects.update(first_contact_at=timezone.now())


def test_a_coordinator_reads_the_figures(world, api_as, browse: Any):
    _six_cases(world, api_as)
    page = browse
    inspect = Inspector(prefix="cijfers-")

    login(page, "coordinator-noord")
    page.locator(".site-nav").get_by_role("link", name="Cijfers").click()
    page.wait_for_url("**/cijfers/")
    inspect.check(page, "alle-wijken")

    chart = page.locator("#chart-signals-per-month")
    assert chart.get_attribute("role") == "img"
    this_month = timezone.localdate().strftime("%Y-%m")
    description = chart.locator("desc").text_content()
    assert f"{this_month}: Huurachterstand 6" in description
    assert chart.locator("rect[height]").count() >= 1
    table = page.locator("table[data-table='signals_per_month']")
    row = table.locator("tbody tr", has=page.locator(f"th:text-is('{this_month}')"))
    assert row.locator("td").last.inner_text() == "6"
    # Under five is never shown, in a table or in a chart.
    districts = page.locator(
        "table[data-table='districts'] tbody tr", has=page.locator("th:text-is('Wijk Zuid')")
    )
    assert districts.locator("td").first.inner_text() == "<5"
    assert "Wijk Zuid: <5" in page.locator("#chart-districts desc").text_content()

    page.get_by_label("Wijk (optioneel)").select_option(label="Wijk Noord")
    page.get_by_role("button", name="Tonen").click()
    page.wait_for_load_state("load")
    assert "district=" in page.url
    inspect.check(page, "wijk-noord")
    reach = page.locator("table[data-table='reach'] tbody tr").first
    assert reach.locator("td").first.inner_text() == "6"

    with page.expect_download() as download:
        page.locator("#reach").get_by_role("link", name="CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Met een contactpoging (bereik),6,100.0" in text

    page.goto(page.base + "/cijfers/?start=2026-09&end=2026-01")
    inspect.check(page, "fout-in-periode")
    assert "De laatste maand ligt voor de eerste." in page.locator(".error-summary").inner_text()


def test_the_figures_api_answers_over_http_with_data(world, api_as, live_server):
    _six_cases(world, api_as)
    token = api_as(world.auditor)._credentials["HTTP_AUTHORIZATION"]

    url = live_server.url + "/api/v1/figures/"
    request = urllib.request.Request(url, headers={"Authorization": token})  # noqa: S310 (the test's own server)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the test's own server)
        status, body = response.status, json.loads(response.read())

    assert status == 200
    assert body["reach"]["cases"] == 6
    assert body["deadline_compliance"]["first_contact_total"] == 6
    assert sum(row["count"] or 0 for row in body["signals_per_month"]) == 6
    assert body["tables"]["signals_per_month"]["rows"][-1][-1] == 6
