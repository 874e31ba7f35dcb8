"""Daily casework end to end in a real browser, in one story (issue 13's "Done when").

Two partners report the same household with a typo between them, so it arrives
as two cases. The triage officer searches the address (postcode and house
number), finds both, opens the case and merges the duplicate into it, then
refers it to team Noord. Noord's coordinator re-routes it to team Zuid, whose
coordinator is told in the inbox and assigns a lead. The lead accepts, records
a contact attempt and two goals, corrects the contact attempt, removes the
duplicate goal with a reason, closes the case and reopens it. The auditor
finds every one of those steps for the case in the access-log pages, and who
saw the household.

Every page on the way is checked with axe-core and photographed at 1280 by 800
and 390 by 844 pixels (``screenshots/verloop-*``).
"""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AccessEvent
from cases.models import Case, ContactAttempt, Notification, PlanGoal, State
from signals.models import Signal
from tests.cases.flow import file_case
from tests.signals.payloads import signal

from .browser import Inspector
from .test_browser_flow import browse, login, logout  # noqa: F401  (browse is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MERGE_REASON = "Zelfde bewoner: achternaam en geboortedatum verschrijfd door de energieleverancier"
REROUTE_REASON = "Woont sinds kort in Zuid"
GOAL_REASON = "Dubbel ingevoerd"
REOPEN_REASON = "Per ongeluk afgesloten: mevrouw wil wel hulp"


def _standing(page: Any) -> dict[str, str]:
    """The case page's "Stand van zaken" as the reader sees it: label → value."""
    stand = page.locator("#stand dl")
    labels = stand.locator("dt").all_inner_texts()
    values = stand.locator("dd").all_inner_texts()
    return {label.strip(): value.strip() for label, value in zip(labels, values, strict=True)}


def _status(page: Any) -> str:
    return str(page.get_by_role("status").first.inner_text())


def _step(page: Any, transition: str) -> Any:
    return page.locator(f"form[action$='/stap/{transition}/']")


def test_find_merge_reroute_assign_correct_close_reopen_inbox_and_audit(world, api_as, browse):  # noqa: F811
    page = browse
    inspect = Inspector(prefix="verloop-")

    # Before the story: the two signals come in from the partners' systems, over the API
    # as those systems send them (the signal form is tested in test_browser_flow).
    case = Case.objects.get(pk=file_case(world, api_as))
    sent = api_as(world.energie).post(
        "/api/v1/signals/",
        signal(
            signal_type="energy_arrears",
            partner_reference="ENE-77-001",
            subject__surname="Janssen-de Vries",  # a typo, and day and month swapped
            subject__date_of_birth="1984-12-03",
        ),
        format="json",
    )
    assert sent.status_code == 201, sent.content
    energy_signal = Signal.objects.get(pk=sent.json()["id"])
    assert energy_signal.case_id is not None
    duplicate = Case.objects.get(pk=energy_signal.case_id)
    assert duplicate.pk != case.pk  # nothing strong enough to join them on arrival

    # ------------------------------------------------------------------ triage
    login(page, "schakelpunt")
    assert page.url.endswith("/casussen/intake/")
    inspect.check(page, "intake")
    page.get_by_role("link", name="Uitgebreid zoeken").click()
    page.wait_for_url("**/casussen/zoeken/")
    inspect.check(page, "zoeken")
    search = page.locator(".search-form")
    search.get_by_label("Postcode").fill("1012 ab")
    search.get_by_label("Huisnummer").fill("12")
    search.get_by_role("button", name="Zoeken").click()
    page.wait_for_load_state("load")
    results = page.locator("#resultaten")
    assert "2 casussen gevonden" in results.get_by_role("status").inner_text()
    assert results.get_by_role("link", name=case.reference).is_visible()
    assert results.get_by_role("link", name=duplicate.reference).is_visible()
    assert "1012" not in page.url
    inspect.check(page, "zoekresultaat")

    results.get_by_role("link", name=case.reference).click()
    page.wait_for_url(f"**/casussen/{case.pk}/")
    assert _standing(page)["Status"] == "Nieuw"
    inspect.check(page, "casus-nieuw")
    merge = page.locator("form[action$='/samenvoegen/']")
    merge.get_by_label("Referentie van de andere casus").fill(duplicate.reference)
    merge.get_by_label("Reden").fill(MERGE_REASON)
    merge.get_by_role("button", name="Samenvoegen").click()
    page.wait_for_url(f"**/casussen/{case.pk}/")
    assert "samengevoegd" in _status(page)
    signals = page.locator("#signalen").inner_text()
    assert "Huurachterstand" in signals and "Energieachterstand" in signals
    timeline = page.locator("#tijdlijn").inner_text()
    assert "Samengevoegd" in timeline and MERGE_REASON in timeline
    inspect.check(page, "samengevoegd")

    page.get_by_role("button", name="Oppakken").click()
    assert "opgepakt" in _status(page)
    page.get_by_role("button", name="Doorverwijzen naar wijkteam").click()
    page.wait_for_url("**/casussen/intake/")
    assert "doorverwezen" in _status(page)
    logout(page)

    # ------------------------------------------------- Noord's coordinator re-routes
    login(page, "coordinator-noord")
    assert page.url.endswith("/casussen/team/")
    inspect.check(page, "teamwachtrij-noord")
    page.get_by_role("link", name=case.reference).click()
    page.wait_for_url(f"**/casussen/{case.pk}/")
    standing = _standing(page)
    assert (standing["Status"], standing["Team"]) == ("Wacht op regisseur", "Noord")
    inspect.check(page, "casus-noord")
    reroute = _step(page, "reroute")
    reroute.get_by_label("Naar team").select_option(label="Zuid")
    reroute.get_by_label("Reden").fill(REROUTE_REASON)
    reroute.get_by_role("button", name="Omleiden naar een ander team").click()
    page.wait_for_url("**/casussen/team/")
    assert "omgeleid" in _status(page)
    assert page.get_by_role("link", name=case.reference).count() == 0
    logout(page)

    # ------------------------- Zuid's coordinator is told, and assigns the lead
    login(page, "coordinator-zuid")
    assert page.url.endswith("/casussen/team/")
    assert page.locator(".site-nav .nav-count").inner_text().startswith("1")
    page.get_by_role("link", name="Meldingen").click()
    page.wait_for_url("**/casussen/meldingen/")
    told = page.locator(".inbox__item").filter(has_text=case.reference)
    assert told.count() == 1
    assert "Casus naar uw team omgeleid" in told.inner_text() and "Nieuw" in told.inner_text()
    inspect.check(page, "meldingen-zuid")
    told.get_by_role("link", name=f"Casus {case.reference}").click()
    page.wait_for_url(f"**/casussen/{case.pk}/")
    standing = _standing(page)
    assert (standing["Status"], standing["Team"], standing["Regisseur"]) == (
        "Wacht op regisseur",
        "Zuid",
        "–",
    )
    timeline = page.locator("#tijdlijn").inner_text()
    assert "Omleiden naar een ander team" in timeline and REROUTE_REASON in timeline
    inspect.check(page, "casus-zuid")
    assign = _step(page, "assign_lead")
    assign.get_by_label("Regisseur").select_option(label=world.professional_zuid.display_name)
    assign.get_by_role("button", name="Regisseur toewijzen").click()
    assert "regisseur" in _status(page)
    standing = _standing(page)
    assert (standing["Status"], standing["Regisseur"]) == (
        "Regisseur toegewezen",
        world.professional_zuid.display_name,
    )
    logout(page)

    # ------------------------------------------------ the lead at work
    login(page, "professional-zuid")
    assert page.url.endswith("/casussen/mijn/")
    inspect.check(page, "mijn-casussen")
    page.get_by_role("link", name=case.reference).click()
    page.wait_for_url(f"**/casussen/{case.pk}/")
    page.get_by_role("button", name="Casus accepteren").click()
    assert "geaccepteerd" in _status(page)
    assert _standing(page)["Status"] == "In behandeling"

    contact = page.locator("form[action$='/contactpogingen/']")
    contact.get_by_label("Kanaal").select_option(label="Telefoon")
    contact.get_by_label("Resultaat").select_option("reached")
    contact.get_by_label("Notitie").fill("Gesproken met mevrouw")
    contact.get_by_role("button", name="Contactpoging opslaan").click()
    assert "vastgelegd" in _status(page)
    for description in ("Huurachterstand ingelopen", "Huurachterstand ingelopen (dubbel)"):
        goal = page.locator("form[action$='/plan/doelen/']")
        goal.get_by_label("Doel (verplicht)", exact=True).fill(description)
        goal.get_by_role("button", name="Doel opslaan").click()
        assert "toegevoegd" in _status(page)
    inspect.check(page, "casus-regisseur")

    # The contact attempt was voicemail, not a conversation: corrected.
    correct = page.locator("details.correct").filter(has_text="Contactpoging van")
    correct.locator("summary").click()
    correct.get_by_label("Resultaat").select_option("not_reached")
    correct.get_by_label("Notitie").fill("Voicemail ingesproken")
    inspect.check(page, "contact-corrigeren")
    correct.get_by_role("button", name="Correctie opslaan").click()
    assert "gecorrigeerd" in _status(page)
    contacts = page.locator("#contacten table").inner_text()
    assert "Voicemail ingesproken" in contacts and "Gesproken met mevrouw" not in contacts

    # The duplicate goal: removed with a reason, which stays in the timeline.
    remove = page.locator("details.correct").filter(has_text="Doel 2 corrigeren of verwijderen")
    remove.locator("summary").click()
    remove.get_by_label("Reden van verwijderen").fill(GOAL_REASON)
    remove.get_by_role("button", name="Verwijderen").click()
    assert "Verwijderd" in _status(page)
    removed = page.locator(".timeline__item--removed").inner_text()
    assert GOAL_REASON in removed and "Doel 2 verwijderd" in removed
    assert "(dubbel)" not in page.locator("main").inner_text()
    inspect.check(page, "doel-verwijderd")

    # Closed, by mistake, and reopened with a reason.
    close = _step(page, "close")
    close.get_by_label("Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering", exact=True).check()
    close.get_by_role("button", name="Casus afsluiten").click()
    assert "afgesloten" in _status(page)
    assert _standing(page)["Status"] == "Afgesloten"
    inspect.check(page, "casus-afgesloten")
    reopen = _step(page, "reopen")
    reopen.get_by_label("Reden").fill(REOPEN_REASON)
    reopen.get_by_role("button", name="Casus heropenen").click()
    assert "heropend" in _status(page)
    standing = _standing(page)
    assert (standing["Status"], standing["Team"], standing["Regisseur"]) == (
        "In behandeling",
        "Zuid",
        world.professional_zuid.display_name,
    )
    timeline = page.locator("#tijdlijn").inner_text()
    assert "Casus heropenen" in timeline and REOPEN_REASON in timeline
    inspect.check(page, "casus-heropend")
    logout(page)

    # ------------------------------------------------ the auditor sees all of it
    login(page, "auditor")
    assert page.url.endswith("/toegangslog/")
    steps = [
        # (case, action, who, the action in words)
        (case, "case.merge", "schakelpunt", "Casussen samengevoegd"),
        (duplicate, "case.merged_into", "schakelpunt", "Casus opgegaan in een andere casus"),
        (case, "case.claim", "schakelpunt", "Casus opgepakt"),
        (case, "case.refer_to_team", "schakelpunt", "Doorverwezen naar een wijkteam"),
        (case, "case.reroute", "coordinator-noord", "Naar een ander wijkteam verplaatst"),
        (case, "case.assign_lead", "coordinator-zuid", "Regisseur toegewezen"),
        (case, "case.accept", "professional-zuid", "Casus aanvaard door de regisseur"),
        (case, "case.contact.create", "professional-zuid", "Contactpoging vastgelegd"),
        (case, "case.plan.goal.create", "professional-zuid", "Doel aan het plan toegevoegd"),
        (case, "case.contact.update", "professional-zuid", "Contactpoging gecorrigeerd"),
        (case, "case.plan.goal.delete", "professional-zuid", "Doel uit het plan verwijderd"),
        (case, "case.close", "professional-zuid", "Casus afgesloten"),
        (case, "case.reopen", "professional-zuid", "Casus heropend"),
    ]
    for number, (which, action, username, words) in enumerate(steps):
        filters = page.locator("form.filters")
        filters.get_by_label("Casus (optioneel)", exact=True).fill(which.reference)
        filters.get_by_label("Actie (optioneel)", exact=True).fill(action)
        filters.get_by_role("button", name="Filter toepassen").click()
        page.wait_for_url(f"**action={action}*")
        rows = page.locator("tbody tr")
        assert rows.count() >= 1, action
        row = rows.filter(has_text=username).first
        assert row.is_visible(), (action, username)
        text = row.inner_text()
        assert words in text and which.reference in text, (action, text)
        if number == 0:
            inspect.check(page, "toegangslog-samenvoegen")

    # Everyone who read the case along the way, each under their own name.
    filters = page.locator("form.filters")
    filters.get_by_label("Casus (optioneel)", exact=True).fill(case.reference)
    filters.get_by_label("Actie (optioneel)", exact=True).fill("case.read")
    filters.get_by_role("button", name="Filter toepassen").click()
    page.wait_for_url("**action=case.read*")
    readers = page.locator("tbody").inner_text()
    for username in ("schakelpunt", "coordinator-noord", "coordinator-zuid", "professional-zuid"):
        assert username in readers, username
    inspect.check(page, "toegangslog-inzage")

    # The search that started it: logged without what was searched.
    filters = page.locator("form.filters")
    filters.get_by_label("Casus (optioneel)", exact=True).fill("")
    filters.get_by_label("Actie (optioneel)", exact=True).fill("case.search")
    filters.get_by_role("button", name="Filter toepassen").click()
    page.wait_for_url("**action=case.search*")
    searched = page.locator("tbody tr")
    assert searched.count() == 1 and "schakelpunt" in searched.inner_text()
    assert "Huishouden gezocht" in searched.inner_text() and "1012" not in page.content()

    # Who saw this household: every person of the story, one click from the case's entries.
    page.locator("form.filters").get_by_label("Casus (optioneel)", exact=True).fill(case.reference)
    page.locator("form.filters").get_by_label("Actie (optioneel)", exact=True).fill("")
    page.get_by_role("button", name="Filter toepassen").click()
    page.wait_for_url(f"**case={case.reference}*")
    page.get_by_role("link", name="Wie zag dit huishouden?").first.click()
    page.wait_for_url("**/toegangslog/huishoudens/*/")
    people = page.locator("tbody").inner_text()
    for username in ("schakelpunt", "coordinator-noord", "coordinator-zuid", "professional-zuid"):
        assert username in people, username
    inspect.check(page, "wie-zag-dit-huishouden")

    # What the pages showed is what happened.
    case.refresh_from_db()
    duplicate.refresh_from_db()
    assert (case.state, case.team, case.lead) == (State.IN_PROGRESS, world.zuid, world.professional_zuid)
    assert (duplicate.state, duplicate.merged_into_id) == (State.CLOSED, case.pk)
    assert ContactAttempt.objects.get(case=case).result == "not_reached"
    assert [goal.description for goal in PlanGoal.objects.filter(case=case)] == ["Huurachterstand ingelopen"]
    assert Notification.objects.filter(
        case=case, kind=Notification.Kind.REROUTED, recipient=world.coordinator_zuid
    ).exists()
    search = AccessEvent.objects.get(action="case.search")
    assert (search.detail["kind"], search.detail["count"]) == ("address", 2)
