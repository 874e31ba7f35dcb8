"""Find a household, open a case of another team with a reason, read one's notifications:
in a real browser, every page checked with axe-core and photographed at both sizes.

The triage officer types an address into the intake page's search box and
finds the case; after it is referred, the coordinator of Noord sees it in the
inbox (the unread count in the header) and marks it read; the coordinator of
Zuid searches for it and finds nothing (not theirs), opens it by its address,
is offered the reason form instead of "not found", gives a reason and reads it.
No searched value and no reason ever appears in an address.
"""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AccessEvent
from cases.models import Case
from tests.cases.flow import advance, file_case

from .browser import Inspector
from .test_browser_flow import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Bewoner belt over de brief van de corporatie"


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


def test_search_inbox_and_break_the_glass(world, api_as, browse: Any):
    case_id = file_case(world, api_as)
    case = Case.objects.get(pk=case_id)
    page = browse
    inspect = Inspector(prefix="search-")
    addresses: list[str] = []
    page.on("request", lambda request: addresses.append(request.url))

    login(page, "schakelpunt")
    page.goto(page.base + "/casussen/intake/")
    inspect.check(page, "intake-met-zoekvak")
    page.locator("#queue-search-q").fill("1012 ab 12")
    page.locator(".queue-search").get_by_role("button", name="Zoeken").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/casussen/zoeken/")
    inspect.check(page, "zoekresultaat")
    assert case.reference in page.locator("#resultaten").inner_text()
    # The full form: by surname and date of birth.
    page.goto(page.base + "/casussen/zoeken/")
    page.locator("#search-surname").fill("JANSEN-DE VRIES")
    page.locator("#search-date_of_birth").fill("1984-03-12")
    page.locator(".search-form").get_by_role("button", name="Zoeken").click()
    page.wait_for_load_state("load")
    assert case.reference in page.locator("#resultaten").inner_text()
    # Half a form: the fields that are missing are named.
    page.locator("#search-surname").fill("")
    page.locator("#search-date_of_birth").fill("")
    page.locator("#search-postcode").fill("1012 AB")
    page.locator(".search-form").get_by_role("button", name="Zoeken").click()
    page.wait_for_load_state("load")
    inspect.check(page, "zoeken-onvolledig")
    assert "Geef ook het huisnummer" in page.locator(".error-summary").inner_text()
    logout(page)

    advance(world, api_as, case_id, "awaiting_lead")

    login(page, "coordinator-noord")
    assert page.locator(".site-nav .nav-count").inner_text().startswith("1")
    page.get_by_role("link", name="Meldingen").click()
    page.wait_for_url("**/casussen/meldingen/")
    inspect.check(page, "meldingen")
    assert case.reference in page.locator(".inbox").inner_text()
    page.locator(".inbox__item").filter(has_text=case.reference).get_by_role("button").click()
    page.wait_for_url("**/casussen/meldingen/")
    assert page.locator(".site-nav .nav-count").count() == 0
    logout(page)

    login(page, "coordinator-zuid")
    page.get_by_label("Zoek op BSN, referentie, postcode en huisnummer, of achternaam en geboortedatum").fill(
        case.reference
    )
    page.locator(".header-search").get_by_role("button", name="Zoeken").click()
    page.wait_for_load_state("load")
    assert "Geen casus binnen uw werk gevonden" in page.locator("#resultaten").inner_text()
    page.goto(page.base + f"/casussen/{case_id}/")
    inspect.check(page, "inzage-met-reden")
    page.locator("#break-glass-reason").fill(REASON)
    page.get_by_role("button", name="Casus inzien").click()
    page.wait_for_url(f"**/casussen/{case_id}/")
    inspect.check(page, "casus-met-reden")
    assert REASON in page.locator("main").inner_text()

    assert not [url for url in addresses if "1012" in url or "Bewoner" in url or "JANSEN" in url.upper()]
    read = AccessEvent.objects.filter(
        action="case.read", username="coordinator-zuid", outcome="success"
    ).get()
    assert read.break_glass and read.purpose == REASON
    searches = AccessEvent.objects.filter(action="case.search").order_by("id")
    assert [(e.username, e.detail["kind"], e.detail["count"]) for e in searches] == [
        ("schakelpunt", "address", 1),
        ("schakelpunt", "name", 1),
        ("coordinator-zuid", "reference", 0),
    ]
