"""The case page's merge and split forms call the same services as the API."""

from __future__ import annotations

from cases.models import Case
from signals.models import Signal
from tests.cases.flow import advance, file_case

from .conftest import household

NEIGHBOUR = {"partner_reference": "BUUR-1", "subject__surname": "Bakker"}


def test_triage_merges_a_case_named_by_its_reference(world, api_as, client):
    case_id = file_case(world, api_as)
    other = Case.objects.get(pk=file_case(world, api_as, **household(1)))
    client.force_login(world.triage)

    page = client.get(f"/casussen/{case_id}/").content.decode()
    assert f'action="/casussen/{case_id}/samenvoegen/"' in page
    assert f'action="/casussen/{case_id}/splitsen/"' not in page  # one signal: nothing to split

    posted = client.post(
        f"/casussen/{case_id}/samenvoegen/", {"case": other.reference.lower(), "reason": "Zelfde gezin"}
    )

    assert posted.status_code == 302 and posted["Location"] == f"/casussen/{case_id}/"
    other.refresh_from_db()
    assert (other.state, other.merged_into_id) == ("closed", Case.objects.get(pk=case_id).pk)


def test_an_unknown_reference_or_no_reason_is_said_at_the_field(world, api_as, client):
    case_id = file_case(world, api_as)
    other = Case.objects.get(pk=file_case(world, api_as, **household(1)))
    advance(world, api_as, str(other.pk), "awaiting_lead")  # in team Noord: not triage's
    client.force_login(world.triage)

    unknown = client.post(f"/casussen/{case_id}/samenvoegen/", {"case": other.reference, "reason": "Zelfde"})
    no_reason = client.post(f"/casussen/{case_id}/samenvoegen/", {"case": other.reference, "reason": ""})

    assert unknown.status_code == 400
    assert "Geen casus met deze referentie in uw werk." in unknown.content.decode()
    assert no_reason.status_code == 400
    assert (
        'id="merge-reason-error"' in no_reason.content.decode()
        or "merge-case-error" in no_reason.content.decode()
    )
    assert Case.objects.get(pk=other.pk).state == "awaiting_lead"


def test_triage_splits_the_checked_signal_off(world, api_as, client):
    case_id = file_case(world, api_as)
    file_case(world, api_as, **NEIGHBOUR)
    wrong = next(s for s in Signal.objects.filter(case_id=case_id) if s.surname == "Bakker")
    client.force_login(world.triage)

    page = client.get(f"/casussen/{case_id}/").content.decode()
    assert f'value="{wrong.pk}"' in page

    nothing = client.post(f"/casussen/{case_id}/splitsen/", {"reason": "Buurman"})
    assert nothing.status_code == 400
    posted = client.post(f"/casussen/{case_id}/splitsen/", {"signals": [str(wrong.pk)], "reason": "Buurman"})

    assert posted.status_code == 302
    wrong.refresh_from_db()
    assert str(wrong.case_id) != case_id
    assert Case.objects.get(pk=case_id).signal_count == 1


def test_the_lead_is_not_offered_merging_or_splitting(world, api_as, client):
    case_id = file_case(world, api_as)
    file_case(world, api_as, **NEIGHBOUR)
    advance(world, api_as, case_id, "in_progress")
    client.force_login(world.professional_noord)

    page = client.get(f"/casussen/{case_id}/").content.decode()

    assert "samenvoegen/" not in page and "splitsen/" not in page
    assert client.post(f"/casussen/{case_id}/samenvoegen/", {"case": "C-X", "reason": "x"}).status_code == 403
