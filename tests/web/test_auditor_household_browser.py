"""The auditor answers "who saw this household?" in a real browser.

A case of team Noord is read by its lead, refused to the other team's
professional and opened by the other team's coordinator with a reason. The
auditor enters the case's reference on the access-log page, opens "who saw
this household", sees the reason and the refusal, and downloads the summary
as CSV and the resident's letter as PDF (whose text is read back). A BSN
search on the search page finds the same household. Every page is checked
with axe-core and photographed at both sizes.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from pypdf import PdfReader

from cases.models import Case
from tests.cases.flow import advance, file_case

from .browser import Inspector
from .test_browser_flow import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Bewoner belt met vraag over dossier"
BSN = "111222333"


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


def _download(page: Any, link: str) -> bytes:
    with page.expect_download() as download:
        page.get_by_role("link", name=link).click()
    return download.value.path().read_bytes()


def test_the_auditor_finds_who_saw_a_household_and_downloads_csv_and_letter(world, api_as, browse):
    case_id = file_case(world, api_as, subject__bsn=BSN)
    advance(world, api_as, case_id, "in_progress")
    api_as(world.professional_noord).get(f"/api/v1/cases/{case_id}/")
    assert api_as(world.professional_zuid).get(f"/api/v1/cases/{case_id}/").status_code == 404
    opened = api_as(world.coordinator_zuid).post(
        f"/api/v1/cases/{case_id}/access/", {"reason": REASON}, format="json"
    )
    assert opened.status_code == 200
    case = Case.objects.get(pk=case_id)
    page = browse
    inspect = Inspector(prefix="auditor-")

    login(page, "auditor")
    assert page.url.endswith("/toegangslog/")
    page.get_by_label("Casus (optioneel)", exact=True).fill(case.reference)
    page.get_by_role("button", name="Filter toepassen").click()
    page.wait_for_url(f"**case={case.reference}*")
    inspect.check(page, "casus-op-referentie")
    table = page.locator("table").inner_text()
    assert "Casus ingezien" in table and "case.read" in table  # in words, with the code beside
    assert case.reference in table

    page.get_by_role("link", name="Wie zag dit huishouden?").first.click()
    page.wait_for_url(f"**/toegangslog/huishoudens/{case.household_id}/")
    inspect.check(page, "wie-zag-dit-huishouden")
    assert REASON in page.locator("#glass-title + ul").inner_text()
    lines = page.locator("tbody tr")
    refused = lines.filter(has_text="professional-zuid")
    assert refused.locator(".badge--denied").inner_text() == "1"
    assert "Geweigerde pogingen" in page.content()

    exported = list(csv.DictReader(io.StringIO(_download(page, "Exporteren als CSV").decode())))
    by_user = {row["username"]: row for row in exported}
    assert by_user["coordinator-zuid"]["break_glass_reasons"] == REASON
    assert by_user["professional-zuid"]["denied"] == "1"
    assert "case.read" in by_user["professional-noord"]["actions"].split()

    letter = PdfReader(io.BytesIO(_download(page, "Brief voor de bewoner (PDF)")))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in letter.pages)
    assert "Wie heeft uw gegevens ingezien?" in text
    assert case.reference in text and REASON in text and "Geweigerde pogingen" in text
    assert "professional-noord" not in text  # no staff names by default

    # The entries behind a line are one click away.
    refused.get_by_role("link", name="Bekijk").click()
    page.wait_for_url("**/toegangslog/?subject=*")
    assert "Verzoek geweigerd" in page.locator("table").inner_text()
    inspect.check(page, "regels-achter-een-regel")

    # A resident's BSN finds the same household; it is posted, never in a URL or on the page.
    page.get_by_role("link", name="Huishouden zoeken").click()
    inspect.check(page, "huishouden-zoeken")
    page.get_by_label("BSN van een bewoner").fill(BSN)
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_load_state("load")
    assert BSN not in page.url and BSN not in page.content()
    assert str(case.household_id) in page.content()
    inspect.check(page, "huishouden-gevonden")
