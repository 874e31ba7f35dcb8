"""Two triage officers claim the same case at the same moment, on real connections."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from audit.models import AccessEvent
from cases.models import Case, CaseTransition

from .flow import file_case


@pytest.mark.django_db(transaction=True)
def test_one_claim_wins_and_the_other_gets_a_conflict(world, api_as):
    second = world.triage.__class__.objects.create(
        username="schakelpunt-2", roles=["triage"], organisation=world.municipality
    )
    case_id = file_case(world, api_as)
    clients = [api_as(world.triage), api_as(second)]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def claim(client) -> None:
        try:
            barrier.wait()
            statuses.append(client.post(f"/api/v1/cases/{case_id}/claim/", {}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 409]
    case = Case.objects.get(pk=case_id)
    assert case.state == "triage"
    assert case.claimed_by in (world.triage, second)
    assert CaseTransition.objects.filter(case=case).count() == 1
    assert AccessEvent.objects.filter(case_id=case.pk, action="case.claim").count() == 1
