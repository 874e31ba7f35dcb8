"""Retention erases what the earlier run left: a network member's organisation and role, upload reports."""

from __future__ import annotations

import datetime

from django.utils import timezone

from audit.models import AccessEvent
from cases.models import Case, NetworkMember
from signals.models import BulkRowError, BulkUpload
from signals.retention import apply_retention
from tests.cases.flow import advance, file_case, step


def test_a_network_members_organisation_and_role_are_erased_with_the_case(world, api_as):
    case_id = file_case(world, api_as, partner_reference="NET-1")
    advance(world, api_as, case_id, "in_progress")
    added = api_as(world.professional_noord).post(
        f"/api/v1/cases/{case_id}/network/",
        {"organisation": "Schuldhulp Jansen", "role": "Budgetcoach", "person": "Piet", "contact": "06-1"},
        format="json",
    )
    assert added.status_code in (200, 201), added.content
    step(api_as, world.professional_noord, case_id, "close", outcome="referral_financial")
    past = timezone.now() - datetime.timedelta(days=600)
    Case.objects.filter(pk=case_id).update(opened_at=past, closed_at=past)

    assert apply_retention().cases_erased == 1

    member = NetworkMember.objects.get(case_id=case_id)
    assert (member.organisation, member.role, member.person, member.contact) == ("", "", None, None)


def _upload(world, *, days_ago: int, failure: str = "", errors: int = 0) -> BulkUpload:
    ended = timezone.now() - datetime.timedelta(days=days_ago)
    upload = BulkUpload.objects.create(
        organisation=world.housing,
        uploaded_by=world.corporatie,
        format=BulkUpload.Format.CSV,
        state=BulkUpload.State.FAILED if failure else BulkUpload.State.DONE,
        failure=failure,
        rejected=errors,
        errors_stored=errors,
        created_at=ended,
        finished_at=ended,
    )
    BulkRowError.objects.bulk_create(
        BulkRowError(upload=upload, row=n + 2, field="subject_bsn", message="Onjuist BSN.")
        for n in range(errors)
    )
    return upload


def test_upload_reasons_and_failure_texts_are_erased_after_the_shortest_period(world):
    old_failed = _upload(world, days_ago=200, failure="Onbekende kolommen: Jansen, 111222333")
    old_refused = _upload(world, days_ago=200, errors=3)
    recent = _upload(world, days_ago=20, errors=2, failure="Regel 4 is geen geldige CSV.")

    run = apply_retention()
    again = apply_retention()

    assert (run.uploads_erased, again.uploads_erased) == (2, 0)
    old_failed.refresh_from_db()
    old_refused.refresh_from_db()
    recent.refresh_from_db()
    assert old_failed.failure == ""
    assert not BulkRowError.objects.filter(upload=old_refused).exists()
    # The counts stay: three lines were refused, their reasons are no longer kept.
    assert (old_refused.rejected, old_refused.errors_stored, old_refused.errors_not_stored) == (3, 0, 3)
    assert recent.failure == "Regel 4 is geen geldige CSV."
    assert BulkRowError.objects.filter(upload=recent).count() == 2
    erased = AccessEvent.objects.filter(action="signal.bulk.erase").values_list("object_id", flat=True)
    assert sorted(erased) == sorted([str(old_failed.pk), str(old_refused.pk)])
