"""Who saw this household: per person and role, with break-the-glass reasons and
refusals, as a page, an API, a CSV file and a letter to the resident (PDF)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.test import Client, override_settings
from pypdf import PdfReader

from audit.letter import letter_pdf
from audit.models import AccessEvent
from audit.subjects import Viewer
from cases.models import Case
from tests.cases.flow import advance, file_case

REASON = "Bewoner belt met vraag over dossier"


@pytest.fixture
def web_as():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def household(world, api_as) -> dict[str, str]:
    """A case in progress at team Noord, opened by its lead, refused to the other
    team's professional, and opened by the other team's coordinator with a reason."""
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")
    api_as(world.professional_noord).get(f"/api/v1/cases/{case_id}/")
    api_as(world.professional_noord).get(f"/api/v1/cases/{case_id}/")
    assert api_as(world.professional_zuid).get(f"/api/v1/cases/{case_id}/").status_code == 404
    opened = api_as(world.coordinator_zuid).post(
        f"/api/v1/cases/{case_id}/access/", {"reason": REASON}, format="json"
    )
    assert opened.status_code == 200
    case = Case.objects.get(pk=case_id)
    return {"subject_id": str(case.household_id), "case_id": case_id, "reference": case.reference}


def _summary(api_as, world, subject_id: str) -> dict:
    response = api_as(world.auditor).get(f"/api/v1/audit/subjects/{subject_id}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_the_summary_has_one_line_per_person_and_role(world, api_as, household):
    body = _summary(api_as, world, household["subject_id"])

    assert body["cases"] == [{"id": household["case_id"], "reference": household["reference"]}]
    lines = {line["username"]: line for line in body["viewers"]}
    lead = lines["professional-noord"]
    assert lead["count"] >= 3  # accept + two reads
    assert {"case.read", "case.accept"} <= set(lead["actions"])
    assert "Casus ingezien" in lead["action_labels"]
    assert lead["first_access"] <= lead["last_access"]
    assert lines["coordinator-zuid"]["break_glass_reasons"] == [REASON]
    assert (lines["professional-zuid"]["denied"], lines["professional-zuid"]["count"]) == (1, 1)
    assert "subject=" in lead["entries"] and f"user={world.professional_noord.pk}" in lead["entries"]


def test_the_entries_behind_a_line_are_one_click_away(world, api_as, household):
    lead = {line["username"]: line for line in _summary(api_as, world, household["subject_id"])["viewers"]}

    refused = (
        api_as(world.auditor)
        .get(lead["professional-zuid"]["entries"].replace("http://testserver", ""))
        .json()["results"]
    )

    assert [(row["event_type"], row["case_id"]) for row in refused] == [("denied", household["case_id"])]


def test_reading_and_exporting_the_summary_is_logged(world, api_as, household):
    client = api_as(world.auditor)
    client.get(f"/api/v1/audit/subjects/{household['subject_id']}/")
    client.get(f"/api/v1/audit/subjects/{household['subject_id']}/", {"format": "csv"})
    client.get(f"/api/v1/audit/subjects/{household['subject_id']}/letter.pdf")

    logged = AccessEvent.objects.filter(username="auditor", object_id=household["subject_id"])
    assert sorted(logged.values_list("action", "event_type")) == [
        ("audit.subjects.export", "export"),
        ("audit.subjects.letter", "export"),
        ("audit.subjects.read", "read"),
    ]


def test_the_csv_keeps_the_codes(world, api_as, household):
    url = f"/api/v1/audit/subjects/{household['subject_id']}/"
    response = api_as(world.auditor).get(url, {"format": "csv"})

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    glass = next(row for row in rows if row["username"] == "coordinator-zuid")
    assert glass["break_glass_reasons"] == REASON
    assert "case.read" in glass["actions"].split()
    assert next(row for row in rows if row["username"] == "professional-zuid")["denied"] == "1"


def _letter_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def test_the_letter_answers_the_resident_in_plain_dutch_without_staff_names(world, api_as, household):
    response = api_as(world.auditor).get(f"/api/v1/audit/subjects/{household['subject_id']}/letter.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _letter_text(response.content)
    assert "Wie heeft uw gegevens ingezien?" in text
    assert household["reference"] in text
    assert world.professional_noord.organisation.name in text
    assert "regisseur" in text and "coördinator van een wijkteam" in text
    assert REASON in text
    assert "Geweigerde pogingen" in text
    assert "professional-noord" not in text and world.professional_noord.last_name not in text


@override_settings(AUDIT_LETTER_STAFF_NAMES=True)
def test_the_letter_names_staff_when_the_setting_says_so(world, api_as, household):
    response = api_as(world.auditor).get(f"/api/v1/audit/subjects/{household['subject_id']}/letter.pdf")

    assert world.professional_noord.display_name in _letter_text(response.content)


def test_an_unknown_household_is_not_found(world, api_as):
    response = api_as(world.auditor).get("/api/v1/audit/subjects/00000000-0000-4000-8000-000000000000/")

    assert response.status_code == 404


def test_the_page_shows_break_the_glass_and_refusals_in_words(world, web_as, household):
    response = web_as(world.auditor).get(f"/toegangslog/huishoudens/{household['subject_id']}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert REASON in html and "Doorbrekingen" in html
    assert "Casus ingezien" in html and household["reference"] in html
    assert "badge--denied" in html


def test_the_search_page_posts_a_bsn_and_never_shows_it_back(world, web_as, api_as):
    case_id = file_case(world, api_as, subject__bsn="111222333")
    client = web_as(world.auditor)

    response = client.post("/toegangslog/huishoudens/", {"bsn": "111222333"})

    html = response.content.decode()
    assert str(Case.objects.get(pk=case_id).household_id) in html
    assert "111222333" not in html


def test_a_refused_attempt_is_not_told_as_seeing(db):
    moment = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.UTC)
    refused_only = Viewer(
        9, "energie", "E. Nergie", "partner", "Energie Samen", moment, moment, 2, 2, ["GET /x/"]
    )
    lead = Viewer(5, "lead", "L. Ead", "professional", "Gemeente", moment, moment, 3, 0, ["case.read"])

    text = _letter_text(letter_pdf(cases=[], viewers=[refused_only, lead]))

    assert text.count("Energie Samen") == 1
    assert text.index("Energie Samen") > text.index("Geweigerde pogingen")
    assert "Energie Samen (medewerker van een partnerorganisatie): 2 keer" in text
    assert "Verzoek geweigerd" not in text
