"""Triage splits a wrongly joined signal off and merges a duplicate in, in a real browser.

Every page is checked with axe-core and photographed at both sizes (``screenshots/``).
"""

from __future__ import annotations

import pytest

from cases.models import Case
from signals.models import Signal
from tests.cases.flow import file_case

from .browser import Inspector
from .conftest import household
from .test_browser_flow import browse, login  # noqa: F401  (browse is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_triage_splits_off_a_neighbour_and_merges_a_duplicate(world, browse, api_as):  # noqa: F811
    page = browse
    inspect = Inspector(prefix="samenvoegen-")
    case = Case.objects.get(pk=file_case(world, api_as))
    file_case(world, api_as, partner_reference="BUUR-1", subject__surname="Bakker")
    neighbour = next(s for s in Signal.objects.filter(case=case) if s.surname == "Bakker")
    duplicate = Case.objects.get(pk=file_case(world, api_as, **household(1)))

    login(page, "schakelpunt")
    page.goto(f"{page.base}/casussen/{case.pk}/")
    moves = page.locator("#samenvoegen")
    inspect.check(page, "twee-signalen")

    # Nothing checked: asked again.
    moves.get_by_role("button", name="Afsplitsen in een nieuwe casus").click()
    assert page.locator("form[action$='/splitsen/'] [data-error-summary]").is_visible()
    inspect.check(page, "afsplitsen-fout")

    page.locator("#samenvoegen").get_by_label(neighbour.reference, exact=False).check()
    page.locator("form[action$='/splitsen/']").get_by_label("Reden").fill("Buurman, zelfde geboortedag")
    page.get_by_role("button", name="Afsplitsen in een nieuwe casus").click()
    page.wait_for_url(f"**/casussen/{case.pk}/")
    assert "afgesplitst" in page.get_by_role("status").first.inner_text()
    assert Signal.objects.filter(case=case).count() == 1

    merge = page.locator("form[action$='/samenvoegen/']")
    merge.get_by_label("Referentie van de andere casus").fill(duplicate.reference)
    merge.get_by_label("Reden").fill("Zelfde gezin, ander geboortejaar ingevuld")
    merge.get_by_role("button", name="Samenvoegen").click()
    page.wait_for_url(f"**/casussen/{case.pk}/")
    assert "samengevoegd" in page.get_by_role("status").first.inner_text()
    timeline = page.locator("#tijdlijn").inner_text()
    assert "Gesplitst" in timeline and "Samengevoegd" in timeline
    inspect.check(page, "samengevoegd")

    page.goto(f"{page.base}/casussen/{duplicate.pk}/")
    assert page.get_by_role("link", name=f"Casus {case.reference}").is_visible()
    inspect.check(page, "opgegaan")
