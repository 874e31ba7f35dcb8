"""One letter for a case: a PDF addressed to the household, a contact attempt by letter, a logged read."""

from __future__ import annotations

import pytest

from audit.models import AccessEvent
from cases.models import Case, ContactAttempt
from tests.cases.flow import advance, file_case

from .conftest import pdf_text


def url(case_id, template) -> str:
    return f"/api/v1/cases/{case_id}/letters/{template.pk}.pdf"


@pytest.fixture
def outreach_case(world, api_as) -> str:
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "outreach")
    return case_id


def test_triage_gets_the_letter_with_the_households_name_address_and_the_reference(
    world, api_as, template, outreach_case
):
    world.triage.first_name, world.triage.last_name, world.triage.phone = "Sam", "Schakel", "020 555 01 00"
    world.triage.save()
    case = Case.objects.get(pk=outreach_case)

    response = api_as(world.triage).get(url(outreach_case, template), HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="brief-{case.reference}.pdf"'
    text = pdf_text(response.content)
    assert "Anna Jansen-de Vries" in text
    assert "Kerkstraat 12" in text and "Amsterdam" in text
    assert f"Uw kenmerk {case.reference}" in text
    assert "Bel Sam Schakel op 020 555 01 00." in text
    assert "{zo}" in text and "{naam}" not in text


def test_the_letter_is_a_contact_attempt_by_letter_and_a_logged_read(world, api_as, template, outreach_case):
    api_as(world.triage).get(url(outreach_case, template))

    attempt = ContactAttempt.objects.get(case_id=outreach_case)
    assert attempt.channel == "letter" and attempt.by == world.triage
    assert attempt.note == "Brief: Testbrief"
    assert Case.objects.get(pk=outreach_case).first_contact_at == attempt.at
    read = AccessEvent.objects.get(action="case.letter.read")
    assert read.event_type == "read" and str(read.case_id) == outreach_case
    assert read.username == world.triage.username
    assert AccessEvent.objects.filter(action="case.contact.create", case_id=outreach_case).count() == 1


def test_the_lead_professional_sends_letters_on_their_own_case(world, api_as, template):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")

    assert api_as(world.professional_noord).get(url(case_id, template)).status_code == 200
    # Another team's professional does not see it: the same answer as for no case at all.
    assert api_as(world.professional_zuid).get(url(case_id, template)).status_code == 404
    # Triage no longer sees a case that went to a team.
    assert api_as(world.triage).get(url(case_id, template)).status_code == 404
    assert ContactAttempt.objects.filter(case_id=case_id).count() == 1


def test_roles_that_record_no_contacts_are_refused_and_nothing_is_recorded(
    world, api_as, template, outreach_case
):
    for user in (world.coordinator_noord, world.corporatie, world.auditor, world.beheer):
        assert api_as(user).get(url(outreach_case, template)).status_code == 403
    assert not ContactAttempt.objects.filter(case_id=outreach_case).exists()
    assert not AccessEvent.objects.filter(action="case.letter.read").exists()


def test_a_case_in_a_state_without_contacts_is_a_conflict(world, api_as, template):
    case_id = file_case(world, api_as)  # new: claimed by nobody yet

    response = api_as(world.triage).get(url(case_id, template))

    assert response.status_code == 409
    assert not ContactAttempt.objects.filter(case_id=case_id).exists()


def test_an_unknown_or_inactive_template_is_not_found(world, api_as, template, outreach_case):
    template.active = False
    template.save()

    assert api_as(world.triage).get(url(outreach_case, template)).status_code == 404
    assert not ContactAttempt.objects.filter(case_id=outreach_case).exists()


def test_an_english_template_writes_english_around_the_text(world, api_as, outreach_case):
    from letters.models import LetterTemplate

    english = LetterTemplate.objects.create(
        name="English test", language="en", title="Reference {kenmerk}", body="Dear {naam},\n\nSee you."
    )

    text = pdf_text(api_as(world.triage).get(url(outreach_case, english)).content)

    assert "Our reference:" in text and "Subject: Reference C-" in text
    assert "Dear Anna Jansen-de Vries," in text
