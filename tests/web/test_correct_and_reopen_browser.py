"""The lead corrects the record in a real browser: a contact attempt put right, a duplicate
goal removed with a reason, the case closed and reopened; and the case page on paper.

Every page on the way is checked with axe-core and photographed at both sizes
(``screenshots/correctie-*``); the printed page is photographed as Chromium prints it.
"""

from __future__ import annotations

import pytest

from audit.models import AccessEvent
from cases.models import Case, ContactAttempt, PlanGoal, RecordChange

from .browser import SCREENSHOTS, Inspector
from .test_browser_flow import browse, login  # noqa: F401  # the page fixture and the login steps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_lead_corrects_a_contact_removes_a_goal_closes_and_reopens(world, browse, case_in, api_as):  # noqa: F811
    page = browse
    inspect = Inspector(prefix="correctie-")
    case_id = case_in("in_progress")
    lead = api_as(world.professional_noord)
    body = {"channel": "phone", "result": "reached", "note": "Gesproken met mevrouw"}
    assert lead.post(f"/api/v1/cases/{case_id}/contacts/", body, format="json").status_code == 201
    for description in ("Huurachterstand ingelopen", "Huurachterstand ingelopen (dubbel)"):
        response = lead.post(
            f"/api/v1/cases/{case_id}/plan/goals/", {"description": description}, format="json"
        )
        assert response.status_code == 201

    login(page, "professional-noord")
    page.goto(f"{page.base}/casussen/{case_id}/")
    inspect.check(page, "casus")

    # The contact attempt was not a conversation after all: correct it.
    correct = page.locator("details.correct").filter(has_text="Contactpoging van")
    correct.locator("summary").click()
    correct.get_by_label("Resultaat").select_option("not_reached")
    correct.get_by_label("Notitie").fill("Voicemail ingesproken")
    inspect.check(page, "contact-corrigeren")
    correct.get_by_role("button", name="Correctie opslaan").click()
    assert "gecorrigeerd" in page.get_by_role("status").first.inner_text()
    assert ContactAttempt.objects.get(case_id=case_id).result == "not_reached"

    # The duplicate goal: removing it without a reason is refused at the field, then with one.
    duplicate = PlanGoal.objects.get(case_id=case_id, position=2)
    remove = page.locator("details.correct").filter(has_text="Doel 2 corrigeren of verwijderen")
    remove.locator("summary").click()
    remove.get_by_role("button", name="Verwijderen").click()
    assert page.locator(f"#goal-remove-{duplicate.pk}-reason-error").is_visible()
    inspect.check(page, "doel-verwijderen-zonder-reden")
    remove = page.locator("details.correct").filter(has_text="Doel 2 corrigeren of verwijderen")
    remove.get_by_label("Reden van verwijderen").fill("Dubbel ingevoerd")
    remove.get_by_role("button", name="Verwijderen").click()
    assert "Verwijderd" in page.get_by_role("status").first.inner_text()
    assert not PlanGoal.objects.filter(pk=duplicate.pk).exists()
    removed = page.locator(".timeline__item--removed")
    assert "Dubbel ingevoerd" in removed.inner_text() and "Doel 2 verwijderd" in removed.inner_text()
    assert "(dubbel)" not in page.content()
    inspect.check(page, "doel-verwijderd")

    # On paper: the household and the plan, without forms or buttons.
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Casus afsluiten").is_visible()
    assert page.locator(".print-head").is_visible()
    assert page.locator(".goals p").filter(has_text="Huurachterstand ingelopen").is_visible()
    assert not page.locator("details.correct").first.is_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "correctie-afdruk.png"), full_page=True)
    page.emulate_media(media="screen")

    # Closed by mistake, and reopened with a reason.
    page.get_by_label("Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering", exact=True).check()
    page.get_by_role("button", name="Casus afsluiten").click()
    assert "afgesloten" in page.get_by_role("status").first.inner_text()
    inspect.check(page, "casus-afgesloten")
    page.get_by_role("button", name="Casus heropenen").click()
    assert page.locator("#transition-reopen-reason-error").is_visible()
    page.get_by_label("Reden").fill("Per ongeluk afgesloten: mevrouw wil wel hulp")
    page.get_by_role("button", name="Casus heropenen").click()
    assert "heropend" in page.get_by_role("status").first.inner_text()
    inspect.check(page, "casus-heropend")

    case = Case.objects.get(pk=case_id)
    assert (case.state, case.lead) == ("in_progress", world.professional_noord)
    assert [c.reason for c in RecordChange.objects.filter(case=case, change="removed")] == [
        "Dubbel ingevoerd"
    ]
    logged = set(AccessEvent.objects.filter(case_id=case_id).values_list("action", flat=True))
    assert {
        "case.contact.update",
        "case.plan.goal.delete",
        "case.close",
        "case.reopen",
        "case.read",
    } <= logged
