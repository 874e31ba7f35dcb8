"""A housing corporation's staff make a system key, copy it once, and revoke it, in a real browser.

The page is checked with axe-core and photographed at both sizes (``screenshots/``).
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from .browser import Inspector
from .test_browser_flow import browse, login  # noqa: F401  (browse is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _works(secret: str) -> bool:
    return APIClient().get("/api/v1/signals/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 200


def test_a_partner_makes_copies_and_revokes_a_system_key(world, browse):  # noqa: F811
    page = browse
    inspect = Inspector(prefix="sleutels-")

    login(page, "corporatie")
    page.get_by_role("link", name="Systeemsleutels").click()
    page.wait_for_url("**/systeemsleutels/")
    inspect.check(page, "leeg")

    # Without a name: the error is listed at the top and tied to the field.
    page.get_by_role("button", name="Sleutel maken").click()
    field = page.get_by_label("Naam van het systeem", exact=False)
    assert "key-name-error" in (field.get_attribute("aria-describedby") or "")
    inspect.check(page, "fout")

    field.fill("Huurincasso")
    page.get_by_role("button", name="Sleutel maken").click()
    secret = page.get_by_label("Sleutel", exact=True).input_value()
    assert secret.startswith("sp_") and _works(secret)
    inspect.check(page, "gemaakt")

    page.goto(page.base + "/systeemsleutels/")  # the page again: the key is not shown any more
    assert secret not in page.content()
    assert "Huurincasso" in page.get_by_role("table").inner_text()
    inspect.check(page, "lijst")

    page.get_by_role("button", name="Intrekken (Huurincasso)").click()
    page.wait_for_url("**/systeemsleutels/")
    assert "ingetrokken" in page.get_by_role("status").first.inner_text()
    assert not _works(secret)
    inspect.check(page, "ingetrokken")
