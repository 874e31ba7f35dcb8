"""The intake's work trays as tabs, in a real browser: each tab with its count and
first action, a tray's queue with each case's tray, the case page with its tray and
its repeat link. Every page checked with axe-core and photographed at both sizes
(``screenshots/werkbakken-*``)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from cases.demo import seed_demo_trays
from cases.models import Case, ContactAttempt, WorkTray
from letters.models import LetterTemplate
from tests.cases.flow import advance, file_case
from tests.letters.conftest import pdf_text

from .browser import Inspector
from .test_browser_flow import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browse(chromium, live_server, settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base = live_server.url
    yield page
    context.close()


def test_the_intake_shows_the_trays_as_tabs(world, api_as, browse: Any):
    seed_demo_trays()
    young_born = (timezone.localdate() - datetime.timedelta(days=365 * 22)).isoformat()
    young = file_case(world, api_as, subject__date_of_birth=young_born)
    file_case(
        world,
        api_as,
        partner_reference="H-2",
        threat="eviction",
        subject__surname="Bakker",
        subject__date_of_birth="1970-05-05",
        subject__postcode="1013 CD",
    )
    # A household closed a month ago and signalled again: a repeat case.
    first = file_case(
        world,
        api_as,
        partner_reference="H-3",
        subject__surname="Visser",
        subject__date_of_birth="1960-02-02",
        subject__postcode="1014 EF",
    )
    advance(world, api_as, first, "triage")
    api_as(world.triage).post(f"/api/v1/cases/{first}/close/", {"outcome": "no_problem_found"}, format="json")
    Case.objects.filter(pk=first).update(closed_at=timezone.now() - datetime.timedelta(days=30))
    repeat = file_case(
        world,
        api_as,
        partner_reference="H-4",
        subject__surname="Visser",
        subject__date_of_birth="1960-02-02",
        subject__postcode="1014 EF",
    )
    page = browse
    inspect = Inspector(prefix="werkbakken-")

    login(page, "schakelpunt")
    page.goto(page.base + "/casussen/intake/")
    tabs = page.get_by_role("navigation", name="Werkbakken")
    assert tabs.get_by_role("link", name="Alle werkbakken").get_attribute("aria-current") == "page"
    young_tab = tabs.get_by_role("link", name="Jongeren")
    assert "1 casus" in young_tab.inner_text() and "Eerste actie: Telefoon" in young_tab.inner_text()
    assert "Eerste actie: Huisbezoek" in tabs.get_by_role("link", name="Dreiging").inner_text()
    assert "Eerste actie: Brief" in tabs.get_by_role("link", name="Overig").inner_text()
    table = page.locator("table.table")
    assert "Dreiging (Huisbezoek)" in table.inner_text()
    assert "herhaling" in table.inner_text()
    inspect.check(page, "intake-alle")

    young_tab.click()
    page.wait_for_load_state("load")
    assert f"tray={WorkTray.objects.get(name='Jongeren').pk}" in page.url
    assert (
        page.get_by_role("navigation", name="Werkbakken")
        .get_by_role("link", name="Jongeren")
        .get_attribute("aria-current")
        == "page"
    )
    rows = page.locator("table.table tbody tr")
    assert rows.count() == 1
    assert Case.objects.get(pk=young).reference in rows.first.inner_text()
    assert "Jongeren (Telefoon)" in rows.first.inner_text()
    inspect.check(page, "intake-jongeren")

    page.goto(page.base + f"/casussen/{repeat}/")
    standing = page.locator("#stand")
    assert "Overig" in standing.inner_text() and "Eerste actie: Brief" in standing.inner_text()
    assert Case.objects.get(pk=first).reference in standing.inner_text()
    inspect.check(page, "herhaalcasus")
    page.goto(page.base + f"/casussen/{first}/")
    assert Case.objects.get(pk=repeat).reference in page.locator("#stand").inner_text()


def test_triage_makes_a_print_run_for_the_letters_tray_and_downloads_it(world, api_as, browse: Any):
    seed_demo_trays()
    LetterTemplate.objects.update_or_create(
        name="Eerste brief",
        defaults={
            "language": "nl",
            "title": "Wij willen graag met u in gesprek",
            "body": "Beste {naam}, {kenmerk}.",
        },
    )
    cases = [
        file_case(
            world,
            api_as,
            partner_reference=f"HUUR-{surname}",
            subject__surname=surname,
            subject__house_number=str(number),
            subject__date_of_birth=f"19{50 + number}-02-03",
        )
        for number, surname in enumerate(["Jansen", "Bakker"], start=1)
    ]
    references = [Case.objects.get(pk=case_id).reference for case_id in cases]
    page = browse
    inspect = Inspector(prefix="werkbakken-")

    login(page, "schakelpunt")
    page.goto(page.base + "/casussen/intake/")
    page.get_by_role("navigation", name="Werkbakken").get_by_role("link", name="Overig").click()
    page.wait_for_load_state("load")
    run_form = page.get_by_role("form", name="Brieven voor deze werkbak")
    assert all(reference in page.locator("table.table").inner_text() for reference in references)
    inspect.check(page, "brievenbak")

    run_form.get_by_label("Sjabloon").select_option(label="Eerste brief (Nederlands)")
    run_form.get_by_role("button", name="Printrun maken").click()
    page.locator("[data-letters-state]", has_text="Klaar").wait_for()
    assert page.get_by_text("2 van 2 casussen verwerkt").is_visible()
    inspect.check(page, "brievenbak-printrun")
    with page.expect_download() as download:
        page.get_by_role("link", name="2 brieven downloaden (PDF)").click()
    letters = pdf_text(Path(download.value.path()).read_bytes())
    assert all(reference in letters for reference in references)
    assert "Jansen" in letters and "Bakker" in letters
    # Each case was taken up by the officer and has its letter as a contact attempt.
    assert set(Case.objects.filter(pk__in=cases).values_list("state", flat=True)) == {"triage"}
    assert ContactAttempt.objects.filter(case_id__in=cases, channel="letter").count() == 2
