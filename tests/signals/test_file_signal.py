"""Filing a signal over the API: receipt, validation, idempotency, thresholds."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection

from signals.models import Signal

from .payloads import INVALID_BSN, VALID_BSN, signal

URL = "/api/v1/signals/"


def test_partner_files_a_signal_and_gets_a_reference(world, api_as):
    response = api_as(world.corporatie).post(URL, signal(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "reference", "status", "received_at"}
    assert body["reference"].startswith("S-")
    assert body["status"] == "received"
    stored = Signal.objects.get(pk=body["id"])
    assert stored.organisation == world.housing
    assert stored.filed_by == world.corporatie
    assert stored.surname == "Jansen-de Vries"
    assert stored.postcode == "1012AB"
    assert stored.date_of_birth == datetime.date(1984, 3, 12)
    assert stored.case is not None


def test_same_idempotency_key_gives_the_first_answer_and_no_second_signal(world, api_as):
    client = api_as(world.corporatie)
    first = client.post(URL, signal(), format="json", HTTP_IDEMPOTENCY_KEY="batch-7-row-1")
    again = client.post(URL, signal(), format="json", HTTP_IDEMPOTENCY_KEY="batch-7-row-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Signal.objects.count() == 1


def test_same_partner_reference_gives_the_first_answer(world, api_as):
    client = api_as(world.corporatie)
    first = client.post(URL, signal(), format="json")
    again = client.post(URL, signal(), format="json")

    assert again.status_code == 201
    assert again.json() == first.json()
    assert Signal.objects.count() == 1


def test_partner_reference_is_unique_per_organisation_not_globally(world, api_as):
    api_as(world.corporatie).post(URL, signal(), format="json")
    other = api_as(world.energie).post(URL, signal(signal_type="energy_arrears"), format="json")

    assert other.status_code == 201
    assert Signal.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_identical_filings_at_the_same_moment_store_one_signal(world, api_as):
    barrier = threading.Barrier(2)
    answers: list[dict] = []

    def file() -> None:
        try:
            client = api_as(world.corporatie)
            barrier.wait()
            answers.append(client.post(URL, signal(), format="json", HTTP_IDEMPOTENCY_KEY="k-1").json())
        finally:
            connection.close()

    threads = [threading.Thread(target=file) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 2
    assert answers[0]["id"] == answers[1]["id"]
    assert Signal.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "nested"),
    [
        ({"subject__bsn": INVALID_BSN}, "bsn", True),
        ({"subject__postcode": "12345"}, "postcode", True),
        ({"subject__date_of_birth": "2999-01-01"}, "date_of_birth", True),
        ({"subject__surname": ""}, "surname", True),
        ({"subject__email": "geen-mail"}, "email", True),
        ({"subject__house_number": "twaalf"}, "house_number", True),
        ({"arrears_since": "2999-01-01"}, "arrears_since", False),
        ({"arrears_amount": "-5"}, "arrears_amount", False),
        ({"arrears_amount": None}, "arrears_amount", False),
        ({"signal_type": "unknown_type"}, "signal_type", False),
        ({"threat": "fire"}, "threat", False),
        ({"signal_type": "gp_observation", "consent_given": False}, "consent_given", False),
        ({"surname": "Jansen"}, "surname", False),
        ({"subject__nickname": "Annie"}, "nickname", True),
    ],
)
def test_invalid_input_is_refused_per_field_and_nothing_is_stored(world, api_as, changes, field, nested):
    actor = world.huisarts if changes.get("signal_type") == "gp_observation" else world.corporatie
    response = api_as(actor).post(URL, signal(**changes), format="json")

    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in (errors["subject"] if nested else errors)
    assert Signal.objects.count() == 0


def test_a_valid_bsn_is_accepted(world, api_as):
    response = api_as(world.corporatie).post(URL, signal(subject__bsn=VALID_BSN), format="json")

    assert response.status_code == 201
    assert Signal.objects.get().bsn == VALID_BSN


def test_a_subject_that_cannot_be_found_again_is_refused(world, api_as):
    payload = signal(subject__date_of_birth=None, subject__postcode="", subject__house_number="")

    response = api_as(world.corporatie).post(URL, payload, format="json")

    assert response.status_code == 400
    assert "date_of_birth" in response.json()["subject"]


def test_observation_with_consent_is_accepted_without_amount(world, api_as):
    payload = signal(signal_type="gp_observation", consent_given=True, arrears_amount=None)

    response = api_as(world.huisarts).post(URL, payload, format="json")

    assert response.status_code == 201


def test_arrears_below_the_minimum_are_stored_and_not_picked_up(world, api_as):
    response = api_as(world.corporatie).post(URL, signal(arrears_amount="40.00"), format="json")

    assert response.status_code == 201
    assert response.json()["status"] == "not_picked_up"
    stored = Signal.objects.get()
    assert stored.case is None
    assert stored.closed_reason == "below_threshold"


@pytest.mark.parametrize("actor", ["triage", "auditor", "coordinator_noord", "beheer"])
def test_only_partners_file_signals(world, api_as, actor):
    response = api_as(getattr(world, actor)).post(URL, signal(), format="json")

    assert response.status_code == 403
    assert Signal.objects.count() == 0


def test_anonymous_filing_is_refused(world, api_as):
    response = api_as(None).post(URL, signal(), format="json")

    assert response.status_code == 401
    assert Signal.objects.count() == 0
