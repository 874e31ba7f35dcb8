"""The issue's scenario in a real browser, from the signal form to the auditor.

``huisarts`` files a signal (after seeing field errors for a bad BSN and a
future date), ``schakelpunt`` claims and refers it, ``coordinator-noord``
assigns ``professional-noord``, who accepts and closes it; ``huisarts`` sees
the status change and the auditor finds every one of those accesses for the
case. ``corporatie`` uploads a batch file with one bad line and watches its
page update itself until the line's error shows. ``schakelpunt`` pages through
the intake and back while a case arrives at the top. Every page on the way is
checked with axe-core and photographed at 1280 by 800 and 390 by 844 pixels
(``screenshots/``).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from audit.models import AccessEvent
from casefile import views
from cases.models import Case
from signals import bulk
from signals.models import BulkUpload, Signal
from tests.signals.test_bulk_intake import csv_file, row

from .browser import Inspector
from .conftest import household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "test-password-123"


@pytest.fixture
def browse(chromium, live_server, settings):
    # The live server speaks plain HTTP; production cookies stay Secure.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base = live_server.url
    refused: list[str] = []
    # Every refusal by the Content-Security-Policy is reported on the console: a page whose
    # script or style is refused does not work as it should.
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    context.close()
    assert refused == []


def login(page: Any, username: str, inspect: Inspector | None = None) -> None:
    page.goto(page.base + "/accounts/login/")
    if inspect is not None:
        inspect.check(page, "inloggen")
    # Keyboard only: type, Tab to the password, Enter to submit.
    page.get_by_label("Gebruikersnaam").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def logout(page: Any) -> None:
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/accounts/login/")


def test_a_signal_goes_from_the_partners_form_to_a_closed_case_and_into_the_access_log(world, browse):
    page = browse
    inspect = Inspector(prefix="")

    # The GP's assistant: errors first, then a signal that is received.
    login(page, "huisarts", inspect)
    assert page.url.endswith("/signalen/")
    inspect.check(page, "mijn-signalen-leeg")

    page.get_by_role("link", name="Nieuw signaal").first.click()
    inspect.check(page, "nieuw-signaal")
    page.get_by_label("Soort signaal").select_option("gp_observation")
    assert page.locator("fieldset[data-show-for='arrears']").is_hidden()
    page.get_by_label("Uw kenmerk").fill("HA-2026-0042")
    page.get_by_label("Voorletters").fill("M.")
    page.get_by_label("Achternaam").fill("de Vries")
    page.get_by_label("BSN").fill("123456789")
    page.get_by_label("Geboortedatum").fill("2999-01-01")
    page.get_by_label("Postcode").fill("1012 AB")
    page.get_by_label("Huisnummer").fill("12")
    page.get_by_label("Kinderen in het huishouden").select_option("yes")
    page.get_by_label("Toelichting").fill("Patiënte maakt zich zorgen over de huur.")
    page.get_by_label("De bewoner heeft toestemming gegeven").check()
    page.get_by_role("button", name="Signaal versturen").click()

    bsn = page.get_by_label("BSN")
    birth = page.get_by_label("Geboortedatum")
    assert "elfproef" in page.locator("#signal-subject_bsn-error").inner_text()
    assert "toekomst" in page.locator("#signal-subject_date_of_birth-error").inner_text()
    assert "signal-subject_bsn-error" in (bsn.get_attribute("aria-describedby") or "")
    assert birth.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.matches('[data-error-summary]')")
    assert bsn.input_value() == "123456789"  # what was typed stays
    assert Signal.objects.count() == 0
    inspect.check(page, "nieuw-signaal-fouten")

    bsn.fill("111222333")
    birth.fill("1984-03-12")
    page.get_by_role("button", name="Signaal versturen").click()
    page.wait_for_url("**/signalen/*/")
    reference = page.locator(".reference").inner_text()
    assert page.get_by_role("status").filter(has_text=reference).is_visible()
    signal = Signal.objects.get()
    assert signal.reference == reference
    case_id = str(signal.case_id)
    inspect.check(page, "signaal-ontvangen")

    page.get_by_role("link", name="Mijn signalen", exact=True).click()
    row = page.get_by_role("row").filter(has_text=reference)
    assert "Ontvangen" in row.inner_text()
    inspect.check(page, "mijn-signalen")
    logout(page)

    # The schakelpunt claims the case and refers it to the postcode's team.
    login(page, "schakelpunt")
    assert page.url.endswith("/casussen/intake/")
    inspect.check(page, "intake")
    page.get_by_role("link", name=Case.objects.get().reference).click()
    inspect.check(page, "casus-nieuw")
    assert page.get_by_text("de Vries").first.is_visible()
    page.get_by_role("button", name="Oppakken").click()
    assert "opgepakt" in page.get_by_role("status").first.inner_text()
    inspect.check(page, "casus-in-triage")
    page.get_by_role("button", name="Doorverwijzen naar wijkteam").click()
    page.wait_for_url("**/casussen/intake/")
    assert "doorverwezen" in page.get_by_role("status").first.inner_text()
    logout(page)

    # The coordinator of team Noord assigns the lead professional.
    login(page, "coordinator-noord")
    assert page.url.endswith("/casussen/team/")
    inspect.check(page, "teamwachtrij")
    page.get_by_role("row").filter(has_text="Wacht op regisseur").get_by_role("link").click()
    page.get_by_label("Regisseur").select_option(str(world.professional_noord.pk))
    inspect.check(page, "casus-regisseur-kiezen")
    page.get_by_role("button", name="Regisseur toewijzen").click()
    assert "regisseur" in page.get_by_role("status").first.inner_text()
    logout(page)

    # The lead professional accepts, then closes with an outcome.
    login(page, "professional-noord")
    assert page.url.endswith("/casussen/mijn/")
    inspect.check(page, "mijn-casussen")
    page.get_by_role("row").filter(has_text="Regisseur toegewezen").get_by_role("link").click()
    page.get_by_role("button", name="Casus accepteren").click()
    inspect.check(page, "casus-in-behandeling")
    page.get_by_label("Vervolghulp en/of verwijzing financieel", exact=True).check()
    page.get_by_role("button", name="Casus afsluiten").click()
    assert "afgesloten" in page.get_by_role("status").first.inner_text()
    inspect.check(page, "casus-afgesloten")
    logout(page)

    # The GP's assistant sees that help was accepted (the covenant's one fact), and nothing more.
    login(page, "huisarts")
    row = page.get_by_role("row").filter(has_text=reference)
    assert "Hulp geaccepteerd" in row.inner_text()
    assert "Incasso opschorten tot" in row.inner_text()
    assert "Afgesloten" not in row.inner_text()
    inspect.check(page, "mijn-signalen-hulp-geaccepteerd")

    # In English, too.
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", level=1).inner_text() == "My signals"
    inspect.check(page, "my-signals-english")
    page.get_by_role("button", name="Nederlands").click()
    logout(page)

    # The auditor finds every access to the case: who saw it, who moved it.
    login(page, "auditor")
    assert page.url.endswith("/toegangslog/")
    inspect.check(page, "toegangslog")
    page.get_by_label("Casus (optioneel)", exact=True).fill(case_id)
    page.get_by_role("button", name="Filter toepassen").click()
    page.wait_for_url(f"**case={case_id}*")
    inspect.check(page, "wie-zag-deze-casus")
    table = page.locator("table").inner_text()
    expected = set(AccessEvent.objects.filter(case_id=case_id).values_list("username", "action"))
    assert {
        ("huisarts", "signal.create"),
        ("schakelpunt", "case.read"),
        ("schakelpunt", "case.claim"),
        ("schakelpunt", "case.refer_to_team"),
        ("coordinator-noord", "case.read"),
        ("coordinator-noord", "case.assign_lead"),
        ("professional-noord", "case.read"),
        ("professional-noord", "case.accept"),
        ("professional-noord", "case.close"),
    } <= expected
    for username, action in expected:
        assert username in table and action in table, (username, action)
    rows = page.locator("tbody tr").count()
    assert rows == AccessEvent.objects.filter(case_id=case_id).count()
    assert "de Vries" not in page.content()  # log fields only, never case content

    with page.expect_download() as download:
        page.get_by_role("link", name="Exporteren als CSV").click()
    exported = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert {(r["username"], r["action"]) for r in exported} == expected

    page.get_by_role("link", name="Integriteit").click()
    inspect.check(page, "integriteit")
    page.get_by_role("button", name="Integriteit controleren").click()
    page.wait_for_url("**/toegangslog/integriteit/*/")
    # The check runs in the background; the page's script brings in the result.
    page.locator("#verify-result").wait_for(timeout=30_000)
    assert "In orde" in page.locator("#verify-result").inner_text()
    assert "in orde" in page.locator("#verify-state").inner_text()
    inspect.check(page, "integriteit-in-orde")

    assert len(inspect.pages) >= 15


def test_a_housing_corporation_uploads_a_file_and_sees_the_bad_line(world, browse, monkeypatch):
    page = browse
    inspect = Inspector(prefix="bulk-")
    bad = row(2)
    bad["subject_bsn"] = "123456789"  # fails the elfproef: line 3 of the file
    content = csv_file([row(1), bad, row(3)])

    login(page, "corporatie")
    page.get_by_role("link", name="Bestand uploaden").click()
    page.wait_for_url("**/signalen/bulk/")
    inspect.check(page, "bestand-uploaden")

    # Without a file: the error is listed at the top and tied to the field.
    page.get_by_role("button", name="Bestand uploaden").click()
    field = page.get_by_label("Bestand", exact=False).first
    assert "bulk-file-error" in (field.get_attribute("aria-describedby") or "")
    assert page.evaluate("document.activeElement.matches('[data-error-summary]')")
    inspect.check(page, "bestand-uploaden-fout")

    # Processing is held back (as when the workers are busy), so the page shows it waiting.
    monkeypatch.setattr(bulk, "_start", lambda upload_id: None)
    field.set_input_files(files=[{"name": "maand.csv", "mimeType": "text/csv", "buffer": content}])
    page.get_by_role("button", name="Bestand uploaden").click()
    page.wait_for_url("**/signalen/bulk/*/")
    state = page.locator("#bulk-state")
    assert "Wacht op verwerking" in state.inner_text()
    assert state.get_attribute("role") == "status"
    assert page.get_by_role("button", name="Bijwerken pauzeren").is_visible()
    inspect.check(page, "bestand-wacht")

    # The worker gets to it; the page notices by itself.
    bulk.process_upload(BulkUpload.objects.get().pk)
    page.wait_for_function(
        # A function, not an expression: Playwright would eval an expression, which the CSP refuses.
        "() => document.querySelector('#bulk-state').textContent.includes('Verwerkt')",
        timeout=15_000,
    )
    assert page.locator("progress").get_attribute("value") == "3"
    assert "3 van 3 regels verwerkt (100%)" in page.locator("#bulk-count").inner_text()
    assert page.get_by_role("button", name="Bijwerken pauzeren").count() == 0
    error = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="3", exact=True))
    assert "subject_bsn" in error.inner_text() and "elfproef" in error.inner_text()
    assert Signal.objects.count() == 2
    inspect.check(page, "bestand-verwerkt")

    page.get_by_role("link", name="Bestand uploaden", exact=True).click()
    upload_row = page.get_by_role("row").filter(has_text="Verwerkt")
    assert "Verwerkt" in upload_row.inner_text()
    inspect.check(page, "bestanden")


def test_the_skip_link_and_focus_work_from_the_keyboard(world, browse):
    page = browse
    page.goto(page.base + "/accounts/login/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Naar de inhoud")
    assert page.evaluate("document.activeElement.textContent") == skip.inner_text()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_intake_pages_forwards_and_back_while_a_case_arrives_on_top(world, browse, case_in, monkeypatch):
    monkeypatch.setattr(views, "PER_PAGE", 2)
    ids = [case_in("new", **household(n)) for n in range(3)]
    references = [Case.objects.get(pk=pk).reference for pk in ids]
    page = browse
    inspect = Inspector(prefix="wachtrij-")

    login(page, "schakelpunt")
    assert page.get_by_role("status").filter(has_text="3 casussen").is_visible()
    assert page.get_by_text("Pagina 1 van 2").is_visible()
    inspect.check(page, "intake-pagina-1")

    late = case_in("new", **household(7))  # an overdue case arrives while page 1 is read
    Case.objects.filter(pk=late).update(overdue=True)
    page.get_by_role("link", name="Volgende pagina").click()
    page.wait_for_url("**/casussen/intake/?*")
    rows = page.locator("tbody th[scope=row]").all_inner_texts()
    assert rows == [references[2]]  # the page after page 1 as it was read, nothing repeated
    assert page.get_by_role("link", name="Vorige pagina").is_visible()
    assert page.get_by_role("link", name="Volgende pagina").count() == 0
    inspect.check(page, "intake-pagina-2")

    page.get_by_role("link", name="Vorige pagina").click()
    page.wait_for_url("**/casussen/intake/?")
    rows = page.locator("tbody th[scope=row]").all_inner_texts()
    assert rows == [Case.objects.get(pk=late).reference, references[0]]  # the top as it is now
