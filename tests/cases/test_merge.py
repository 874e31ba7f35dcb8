"""Two cases of one household become one: triage in the intake, the coordinator in the team."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from audit.models import AccessEvent, SubjectKey
from cases.models import Case, CaseTransition, ContactAttempt, HouseholdKey
from signals import figures
from signals.models import Signal
from tests.signals.payloads import VALID_BSN
from tests.web.conftest import household

from .flow import advance, file_case, step


def _merge(api_as, user, case_id, other_id, reason="Zelfde huishouden"):
    body = {"case": str(other_id), "reason": reason}
    return api_as(user).post(f"/api/v1/cases/{case_id}/merge/", body, format="json")


def test_triage_merges_a_duplicate_in_the_intake_and_the_next_signal_joins_the_case(world, api_as):
    case_id = file_case(world, api_as)
    other_id = file_case(world, api_as, **household(1), subject__bsn=VALID_BSN)
    advance(world, api_as, other_id, "outreach")
    contact = {"channel": "phone", "result": "not_reached"}
    assert (
        api_as(world.triage).post(f"/api/v1/cases/{other_id}/contacts/", contact, format="json").status_code
        == 201
    )
    other_household = Case.objects.get(pk=other_id).household_id

    response = _merge(api_as, world.triage, case_id, other_id)

    assert response.status_code == 200, response.content
    assert response.json()["signal_count"] == 2
    case, other = Case.objects.get(pk=case_id), Case.objects.get(pk=other_id)
    assert (other.state, other.outcome, other.merged_into_id) == ("closed", "merged", case.pk)
    # Its signals, contacts and timeline are this case's now; the partner sees them here.
    assert Signal.objects.filter(case=case).count() == 2
    assert not Signal.objects.filter(case=other).exists()
    assert set(Signal.objects.filter(case=case).values_list("status", flat=True)) == {"received"}
    assert ContactAttempt.objects.get().case_id == case.pk
    assert {t.name for t in CaseTransition.objects.filter(case=case)} == {"claim", "start_outreach", "merge"}
    merged_here = CaseTransition.objects.get(case=case, name="merge")
    closed_there = CaseTransition.objects.get(case=other, name="merge")
    assert (merged_here.reason, closed_there.reason) == ("Zelfde huishouden", "Zelfde huishouden")
    assert (closed_there.source, closed_there.target) == ("outreach", "closed")
    # The match keys point here, and the auditor finds the resident under both households.
    assert not HouseholdKey.objects.filter(household_id=other_household).exists()
    assert {str(case.household_id), str(other_household)} <= set(
        SubjectKey.objects.values_list("subject_id", flat=True)
    )
    # Both cases in the access log.
    assert AccessEvent.objects.get(action="case.merge").case_id == case.pk
    assert AccessEvent.objects.get(action="case.merged_into").case_id == other.pk

    again = file_case(world, api_as, **dict(household(1), partner_reference="HH-1-later"))
    assert again == case_id
    # The figures count the household once: the merged case is no outcome of its own.
    assert "merged" not in {row["outcome"] for row in figures.outcomes()}


def test_the_case_page_shows_both_ends_of_the_merge(world, api_as, client):
    case_id = file_case(world, api_as)
    other_id = file_case(world, api_as, **household(1))
    _merge(api_as, world.triage, case_id, other_id)
    client.force_login(world.triage)

    merged = client.get(f"/casussen/{other_id}/").content.decode()

    assert "Samengevoegd met een andere casus" in merged
    assert Case.objects.get(pk=case_id).reference in merged


def test_the_coordinator_merges_two_cases_of_their_team(world, api_as):
    case_id = file_case(world, api_as)
    other_id = file_case(world, api_as, **household(1))
    advance(world, api_as, case_id, "in_progress")
    advance(world, api_as, other_id, "awaiting_lead")

    response = _merge(api_as, world.coordinator_noord, case_id, other_id)

    assert response.status_code == 200, response.content
    case = Case.objects.get(pk=case_id)
    assert case.lead == world.professional_noord
    # The partner's signal follows the case it joined: picked up, no longer just received.
    assert set(Signal.objects.filter(case=case).values_list("status", flat=True)) == {"picked_up"}
    assert AccessEvent.objects.get(action="case.merge").role == "coordinator"


def test_the_trio_and_the_places_the_cases_are_in(world, api_as):
    case_id = file_case(world, api_as)
    other_id = file_case(world, api_as, **household(1))
    third_id = file_case(world, api_as, **household(2))
    advance(world, api_as, case_id, "awaiting_lead")
    advance(world, api_as, other_id, "awaiting_lead")

    # Not their team: 404, the same as no such case.
    assert _merge(api_as, world.coordinator_zuid, case_id, other_id).status_code == 404
    # Sees the case but it is not theirs to merge, or no case role at all: 403.
    step(api_as, world.coordinator_noord, case_id, "assign_lead", lead=world.professional_noord.pk)
    assert _merge(api_as, world.professional_noord, case_id, other_id).status_code == 403
    assert _merge(api_as, world.corporatie, case_id, other_id).status_code == 403
    assert _merge(api_as, world.auditor, case_id, other_id).status_code == 403
    # A case outside the coordinator's scope (the intake) is not known to them.
    response = _merge(api_as, world.coordinator_noord, case_id, third_id)
    assert response.status_code == 400 and "case" in response.json()
    # Triage does not see team cases.
    assert _merge(api_as, world.triage, case_id, other_id).status_code == 404
    assert Case.objects.filter(state="closed").count() == 0


def test_a_coordinator_of_both_teams_does_not_merge_across_them(world, api_as):
    world.zuid.members.add(world.coordinator_noord)
    case_id = file_case(world, api_as)
    other_id = file_case(world, api_as, **household(1))
    advance(world, api_as, case_id, "awaiting_lead")
    advance(world, api_as, other_id, "outreach")
    step(api_as, world.triage, other_id, "refer_to_team", team=str(world.zuid.pk), reason="Zuid")

    assert _merge(api_as, world.coordinator_noord, case_id, other_id).status_code == 403


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (lambda case, other: {"case": other, "reason": ""}, "reason"),
        (lambda case, other: {"reason": "Zelfde huishouden"}, "case"),
        (lambda case, other: {"case": case, "reason": "Zelfde huishouden"}, "case"),
    ],
)
def test_a_reason_and_another_case_are_needed(world, api_as, payload, field):
    case_id = file_case(world, api_as)
    other_id = file_case(world, api_as, **household(1))

    response = api_as(world.triage).post(
        f"/api/v1/cases/{case_id}/merge/", payload(case_id, other_id), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not Case.objects.filter(state="closed").exists()


def test_a_closed_case_is_not_merged(world, api_as):
    case_id = file_case(world, api_as)
    other_id = file_case(world, api_as, **household(1))
    step(api_as, world.triage, other_id, "close", outcome="not_picked_up_repeat")

    assert _merge(api_as, world.triage, case_id, other_id).status_code == 409
    assert _merge(api_as, world.triage, other_id, case_id).status_code == 409


def test_merged_is_not_an_outcome_to_choose(world, api_as):
    case_id = file_case(world, api_as)

    response = api_as(world.triage).post(
        f"/api/v1/cases/{case_id}/close/", {"outcome": "merged"}, format="json"
    )

    assert response.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_two_officers_merge_the_same_pair_both_ways_at_once_one_wins(world, api_as):
    second = world.triage.__class__.objects.create(
        username="schakelpunt-2", roles=["triage"], organisation=world.municipality
    )
    first_id = file_case(world, api_as)
    other_id = file_case(world, api_as, **household(1))
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def merge(user, case_id, into_id) -> None:
        try:
            barrier.wait()
            statuses.append(_merge(api_as, user, into_id, case_id).status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=merge, args=(world.triage, other_id, first_id)),
        threading.Thread(target=merge, args=(second, first_id, other_id)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 409]
    cases = {c.pk: c for c in Case.objects.all()}
    closed = [c for c in cases.values() if c.state == "closed"]
    assert len(closed) == 1 and closed[0].outcome == "merged"
    survivor = closed[0].merged_into
    assert Signal.objects.filter(case=survivor).count() == 2
    assert AccessEvent.objects.filter(action="case.merge").count() == 1
