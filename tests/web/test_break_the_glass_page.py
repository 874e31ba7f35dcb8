"""Where the case page would say "not found", triage and coordinators get a reason form."""

from __future__ import annotations

from audit.models import AccessEvent
from cases.models import Case, CaseAccessGrant


def test_a_coordinator_gives_a_reason_on_the_page_and_sees_the_case(world, web_as, case_in):
    case_id = case_in("in_progress")
    client = web_as(world.coordinator_zuid)

    refused = client.get(f"/casussen/{case_id}/")
    assert refused.status_code == 404
    assert 'name="reason"' in refused.content.decode()

    granted = client.post(f"/casussen/{case_id}/inzage/", {"reason": "Bewoner belt"})
    assert granted.status_code == 302
    assert granted["Location"] == f"/casussen/{case_id}/"
    assert "Bewoner" not in granted["Location"]

    page = client.get(f"/casussen/{case_id}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert Case.objects.get(pk=case_id).reference in text
    assert "Bewoner belt" in text  # the banner repeats the reason given
    reads = AccessEvent.objects.filter(action="case.read", username="coordinator-zuid", outcome="success")
    entry = reads.get()
    assert entry.break_glass and entry.purpose == "Bewoner belt"


def test_an_empty_reason_is_asked_again(world, web_as, case_in):
    case_id = case_in("in_progress")

    page = web_as(world.coordinator_zuid).post(f"/casussen/{case_id}/inzage/", {"reason": ""})

    assert page.status_code == 400
    assert 'aria-invalid="true"' in page.content.decode()
    assert not CaseAccessGrant.objects.exists()


def test_a_professional_is_not_offered_the_form(world, web_as, case_in):
    case_id = case_in("in_progress")

    page = web_as(world.professional_zuid).get(f"/casussen/{case_id}/")

    assert page.status_code == 404
    assert 'name="reason"' not in page.content.decode()
    posted = web_as(world.professional_zuid).post(f"/casussen/{case_id}/inzage/", {"reason": "x"})
    assert posted.status_code == 403


def test_a_reason_in_the_address_bar_opens_nothing(world, web_as, case_in):
    case_id = case_in("in_progress")

    assert web_as(world.coordinator_zuid).get(f"/casussen/{case_id}/?reason=Nazorg").status_code == 404
