"""A case closed by mistake is reopened within CASE_REOPEN_DAYS by whoever may close it now."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AccessEvent
from cases.models import Case, CaseTransition
from signals.models import Signal

from .flow import advance, file_case, step

pytestmark = pytest.mark.django_db


def _closed_in_progress(world, api_as) -> str:
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")
    step(api_as, world.professional_noord, case_id, "close", outcome="declined_help")
    return case_id


def test_back_to_its_lead_and_the_partner_sees_it_picked_up(world, api_as):
    case_id = _closed_in_progress(world, api_as)
    assert Signal.objects.get(case_id=case_id).status == "not_picked_up"

    body = step(api_as, world.professional_noord, case_id, "reopen", reason="Per ongeluk afgesloten")

    assert body["state"] == "in_progress" and body["outcome"] == "" and body["closed_at"] is None
    case = Case.objects.get(pk=case_id)
    assert case.lead == world.professional_noord
    assert Signal.objects.get(case_id=case_id).status == "picked_up"
    reopened = CaseTransition.objects.get(case=case, name="reopen")
    assert (reopened.source, reopened.target, reopened.reason) == (
        "closed",
        "in_progress",
        "Per ongeluk afgesloten",
    )
    assert AccessEvent.objects.filter(case_id=case.pk, action="case.reopen", outcome="success").count() == 1


def test_a_case_closed_in_the_intake_goes_back_to_triage(world, api_as):
    case_id = file_case(world, api_as)
    step(api_as, world.triage, case_id, "close", outcome="not_picked_up_repeat")

    body = step(api_as, world.triage, case_id, "reopen", reason="Geen dubbel")

    assert body["state"] == "triage"
    case = Case.objects.get(pk=case_id)
    assert case.claimed_by == world.triage
    # Reopened: the partner sees someone took it up again, not a fresh "received".
    assert Signal.objects.get(case_id=case_id).status == "picked_up"


def test_permission_trio(world, api_as):
    case_id = _closed_in_progress(world, api_as)
    body = {"reason": "Vergissing"}
    url = f"/api/v1/cases/{case_id}/reopen/"

    assert api_as(world.professional_zuid).post(url, body, format="json").status_code == 404
    assert api_as(world.coordinator_zuid).post(url, body, format="json").status_code == 404
    assert api_as(world.triage).post(url, body, format="json").status_code == 404
    assert api_as(world.corporatie).post(url, body, format="json").status_code == 403
    assert api_as(world.auditor).post(url, body, format="json").status_code == 403
    # The team's coordinator may close it too, so may reopen it.
    assert api_as(world.coordinator_noord).post(url, {}, format="json").status_code == 400
    assert api_as(world.coordinator_noord).post(url, body, format="json").status_code == 200


def test_not_after_the_reopen_window(world, api_as, settings):
    settings.CASE_REOPEN_DAYS = 30
    case_id = _closed_in_progress(world, api_as)
    Case.objects.filter(pk=case_id).update(closed_at=timezone.now() - timedelta(days=31))

    step(api_as, world.professional_noord, case_id, "reopen", expect=409, reason="Te laat")

    settings.CASE_REOPEN_DAYS = 40
    step(api_as, world.professional_noord, case_id, "reopen", reason="Binnen de termijn")


def test_not_an_open_case(world, api_as):
    case_id = file_case(world, api_as)
    advance(world, api_as, case_id, "in_progress")
    step(api_as, world.professional_noord, case_id, "reopen", expect=409, reason="Open")


def test_not_while_the_household_has_a_newer_open_case(world, api_as):
    case_id = file_case(world, api_as)
    step(api_as, world.triage, case_id, "close", outcome="not_picked_up_repeat")
    newer = file_case(world, api_as, partner_reference="HUUR-2")
    assert newer != case_id

    step(api_as, world.triage, case_id, "reopen", expect=409, reason="Toch open")


@pytest.mark.django_db(transaction=True)
def test_two_reopens_at_once_one_wins(world, api_as):
    case_id = _closed_in_progress(world, api_as)
    clients = [api_as(world.professional_noord), api_as(world.coordinator_noord)]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def reopen(client) -> None:
        try:
            barrier.wait()
            response = client.post(
                f"/api/v1/cases/{case_id}/reopen/", {"reason": "Vergissing"}, format="json"
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=reopen, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 409]
    assert Case.objects.get(pk=case_id).state == "in_progress"
    assert CaseTransition.objects.filter(case_id=case_id, name="reopen").count() == 1
    assert AccessEvent.objects.filter(case_id=case_id, action="case.reopen", outcome="success").count() == 1
