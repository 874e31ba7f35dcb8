"""A coordinator re-routes a case to the other team; its coordinator finds it in their queue (a real browser).

Every page is checked with axe-core and photographed at both sizes (``screenshots/``).
"""

from __future__ import annotations

import pytest

from audit.models import AccessEvent
from cases.models import Case, Notification

from .browser import Inspector
from .test_browser_flow import browse, login, logout  # noqa: F401  (browse is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_re_routes_a_case_and_the_other_coordinator_finds_it(world, browse, case_in):  # noqa: F811
    page = browse
    inspect = Inspector(prefix="omleiden-")
    case = Case.objects.get(pk=case_in("in_progress"))

    login(page, "coordinator-noord")
    page.get_by_role("link", name=case.reference).click()
    form = page.locator("form[action$='/stap/reroute/']")
    inspect.check(page, "casus-noord")

    # Without a reason: asked again, the choice kept.
    form.get_by_label("Naar team").select_option(label="Zuid")
    form.get_by_role("button", name="Omleiden naar een ander team").click()
    form = page.locator("form[action$='/stap/reroute/']")
    assert form.get_by_label("Reden").get_attribute("aria-invalid") == "true"
    inspect.check(page, "zonder-reden")

    form.get_by_label("Naar team").select_option(label="Zuid")
    form.get_by_label("Reden").fill("Woont sinds kort in Zuid")
    form.get_by_role("button", name="Omleiden naar een ander team").click()
    page.wait_for_url("**/casussen/team/")
    assert "omgeleid" in page.get_by_role("status").first.inner_text()
    assert page.get_by_role("link", name=case.reference).count() == 0
    inspect.check(page, "wachtrij-noord")
    logout(page)

    login(page, "coordinator-zuid")
    assert page.url.endswith("/casussen/team/")
    assert page.get_by_role("link", name=case.reference).count() == 1
    inspect.check(page, "wachtrij-zuid")
    page.get_by_role("link", name=case.reference).click()
    timeline = page.locator("#tijdlijn").inner_text()
    assert "Omleiden naar een ander team" in timeline and "Woont sinds kort in Zuid" in timeline
    assert page.locator("form[action$='/stap/assign_lead/']").is_visible()
    inspect.check(page, "casus-zuid")

    case.refresh_from_db()
    assert (case.state, case.team, case.lead) == ("awaiting_lead", world.zuid, None)
    assert Notification.objects.filter(
        case=case, kind=Notification.Kind.REROUTED, recipient=world.coordinator_zuid
    ).exists()
    assert AccessEvent.objects.filter(action="case.reroute", user_id=world.coordinator_noord.pk).exists()
