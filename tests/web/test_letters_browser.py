"""Triage sends a letter from the case page and downloads a print run, in a real browser.

``schakelpunt`` opens a case in outreach, picks the Dutch template and gets the
letter as a PDF (its text read back); then opens a print run of two cases
while it waits for a worker, watches the page update itself when the worker is
done, and downloads the PDF. Every page is checked with axe-core and
photographed at both sizes (``screenshots/``).
"""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest

from cases.models import Case, ContactAttempt
from letters import services
from letters.models import LetterTemplate
from tests.cases.flow import advance, file_case
from tests.letters.conftest import pdf_text

from .browser import Inspector
from .test_browser_flow import browse, login  # noqa: F401  (browse is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _outreach_case(world, api_as, surname: str, number: str) -> str:
    case_id = file_case(
        world,
        api_as,
        subject__surname=surname,
        subject__house_number=number,
        subject__date_of_birth=f"19{number.zfill(2)}-02-03",
        partner_reference=f"HUUR-{surname}",
    )
    advance(world, api_as, case_id, "outreach")
    return case_id


def test_triage_downloads_a_letter_and_a_print_run(world, api_as, browse):  # noqa: F811
    page = browse
    inspect = Inspector(prefix="brieven-")
    # The migration's template, when no transactional test has flushed it yet.
    template = LetterTemplate.objects.update_or_create(
        name="Eerste brief",
        defaults={
            "language": "nl",
            "title": "Wij willen graag met u in gesprek",
            "body": "Beste {naam},\n\nBel {medewerker} op {telefoon}, kenmerk {kenmerk}.",
        },
    )[0]
    first = _outreach_case(world, api_as, "Jansen", "12")
    second = _outreach_case(world, api_as, "Bakker", "14")
    third = _outreach_case(world, api_as, "Visser", "16")
    references = {case_id: Case.objects.get(pk=case_id).reference for case_id in (first, second, third)}

    login(page, "schakelpunt")
    page.goto(f"{page.base}/casussen/{first}/")
    page.get_by_label("Sjabloon").select_option(label="Eerste brief (Nederlands)")
    inspect.check(page, "casus-brief")
    with page.expect_download() as download:
        page.get_by_role("button", name="Brief downloaden (PDF)").click()
    letter = pdf_text(Path(download.value.path()).read_bytes())
    assert "Anna Jansen" in letter and references[first] in letter
    assert ContactAttempt.objects.filter(case_id=first, channel="letter").count() == 1

    # A run of all three: the first already had its letter. No worker yet.
    with mock.patch("letters.tasks.make_print_run.delay"):
        run = services.start_print_run(actor=world.triage, template=template, cases=[first, second, third])
    page.goto(f"{page.base}/brieven/printruns/{run.pk}/")
    assert "Wacht op verwerking" in page.locator("[data-letters-state]").inner_text()
    assert page.get_by_text("0 van 3 casussen verwerkt").is_visible()
    assert page.get_by_role("button", name="Bijwerken pauzeren").is_visible()
    inspect.check(page, "printrun-wacht")

    services.process_print_run(run.pk)  # the worker
    page.locator("[data-letters-state]", has_text="Klaar").wait_for()
    assert page.get_by_text("3 van 3 casussen verwerkt").is_visible()
    inspect.check(page, "printrun-klaar")
    with page.expect_download() as download:
        page.get_by_role("link", name="2 brieven downloaden (PDF)").click()
    letters = pdf_text(Path(download.value.path()).read_bytes())
    assert references[second] in letters and references[third] in letters
    assert references[first] not in letters
    assert "Bakker" in letters and "Visser" in letters
