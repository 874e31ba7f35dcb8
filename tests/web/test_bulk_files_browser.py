"""A housing corporation's clerk uploads the monthly list as Excel saves it in the
Netherlands (semicolons, Windows-1252, Dutch headers, decimal commas), in a real browser,
and then a file that cannot be read: the result page says so without a success banner.

Every page is checked with axe-core and photographed at both sizes (``screenshots/``).
"""

from __future__ import annotations

import pytest

from signals.models import Signal
from tests.signals.test_bulk_partner_files import dutch_csv, person

from .browser import Inspector
from .test_browser_flow import browse, login  # noqa: F401  (browse is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _upload(page, name: str, mime: str, content: bytes) -> None:
    page.goto(page.base + "/signalen/bulk/")
    page.locator("input[name=file]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": content}]
    )
    page.get_by_role("button", name="Bestand uploaden").click()
    page.wait_for_url("**/signalen/bulk/*-*/")


def test_a_clerk_uploads_the_dutch_csv_and_a_file_that_fails(world, browse):  # noqa: F811
    page = browse
    inspect = Inspector(prefix="bulkbestanden-")
    rows = [person(n) for n in range(12)]
    rows[4]["subject_postcode"] = "XYZ"

    login(page, "corporatie")
    page.goto(page.base + "/signalen/bulk/")
    assert page.get_by_role("link", name="Sjabloon voor Excel (.xlsx)").is_visible()
    inspect.check(page, "uploaden")

    _upload(page, "achterstanden.csv", "text/csv", dutch_csv(rows))
    status = page.locator("[data-bulk-state]").inner_text()
    assert "Verwerkt" in status
    assert "11 nieuw doorgegeven, 0 al eerder doorgegeven, 1 geweigerd." in page.content()
    errors = page.get_by_role("table").inner_text()
    assert "6" in errors and "Postcode" in errors
    assert "Gelukt" not in page.content()
    assert page.get_by_role("link", name="Geweigerde regels downloaden (CSV)").is_visible()
    inspect.check(page, "verwerkt")
    assert Signal.objects.count() == 11

    _upload(page, "achterstanden.xlsx", "application/octet-stream", b"PK\x03\x04 geen werkmap")
    assert "Mislukt" in page.locator("[data-bulk-state]").inner_text()
    notice = page.locator(".notice--error").inner_text()
    assert "Het bestand is geen leesbaar Excel-bestand (.xlsx)." in notice
    assert page.locator(".notice--success").count() == 0
    assert "Gelukt" not in page.content()
    inspect.check(page, "mislukt")
