"""A reused partner reference or Idempotency-Key: the same content is a replay,
other content is refused (409) and files nothing."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from audit.models import AccessEvent
from signals.models import Signal
from signals.serializers import validate_signal
from signals.services import Outcome, Submission, conflict_message, file_signals

from .payloads import signal

URL = "/api/v1/signals/"

OTHER_PERSON = {
    "subject__surname": "Bakker",
    "subject__given_names": "Piet",
    "subject__initials": "P.",
    "subject__date_of_birth": "1971-11-02",
    "subject__postcode": "1055 XK",
    "subject__house_number": "3",
    "subject__street": "Bos en Lommerweg",
    "subject__phone": "",
    "subject__email": "",
}


def test_same_reference_for_another_person_is_refused_naming_the_earlier_signal(world, api_as):
    client = api_as(world.corporatie)
    first = client.post(URL, signal(partner_reference="HA-2026-0042"), format="json")

    again = client.post(URL, signal(partner_reference="HA-2026-0042", **OTHER_PERSON), format="json")

    assert first.status_code == 201
    assert again.status_code == 409, again.content
    body = again.json()
    assert list(body) == ["partner_reference"]
    [message] = body["partner_reference"]
    assert first.json()["reference"] in message
    assert Signal.objects.count() == 1
    assert Signal.objects.get().surname == "Jansen-de Vries"


def test_the_refusal_is_in_the_access_log_without_personal_data(world, api_as):
    client = api_as(world.corporatie)
    first = client.post(URL, signal(partner_reference="HA-2026-0042"), format="json").json()

    client.post(URL, signal(partner_reference="HA-2026-0042", **OTHER_PERSON), format="json")

    refused = AccessEvent.objects.get(action="signal.create", outcome="denied")
    assert refused.username == "corporatie"
    assert refused.object_id == first["id"]
    assert refused.detail == {"conflict": "partner_reference"}
    assert refused.case_id is None and refused.subject_id == ""
    stored = " ".join(str(value) for value in AccessEvent.objects.values_list().get(pk=refused.pk))
    for personal in ("HA-2026-0042", "Bakker", "Piet", "1971", "1055"):
        assert personal not in stored


def test_same_idempotency_key_with_another_body_is_refused_on_the_key(world, api_as):
    client = api_as(world.corporatie)
    first = client.post(URL, signal(), format="json", HTTP_IDEMPOTENCY_KEY="batch-7-row-1")

    again = client.post(
        URL, signal(partner_reference="HUUR-2026-0002"), format="json", HTTP_IDEMPOTENCY_KEY="batch-7-row-1"
    )

    assert again.status_code == 409, again.content
    body = again.json()
    assert list(body) == ["idempotency_key"]
    assert first.json()["reference"] in body["idempotency_key"][0]
    assert Signal.objects.count() == 1


def test_an_identical_repeat_gets_the_first_receipt_but_a_changed_one_is_refused(world, api_as):
    client = api_as(world.corporatie)
    first = client.post(URL, signal(), format="json")

    same = client.post(URL, signal(), format="json")
    changed = client.post(URL, signal(arrears_amount="900.00"), format="json")

    assert same.status_code == 201
    assert same.json() == first.json()
    assert same["Idempotent-Replayed"] == "true"
    assert changed.status_code == 409
    assert first.json()["reference"] in changed.json()["partner_reference"][0]
    assert Signal.objects.count() == 1


def test_within_one_batch_a_reused_reference_with_other_content_is_a_conflict(world):
    submissions = [
        Submission(validate_signal(signal(partner_reference="R-1"))),
        Submission(validate_signal(signal(partner_reference="R-1", **OTHER_PERSON))),
        Submission(validate_signal(signal(partner_reference="R-1"))),
    ]

    first, other, same = file_signals(actor=world.corporatie, submissions=submissions)

    assert first.outcome is Outcome.CREATED and first.created
    assert other.outcome is Outcome.CONFLICT and not other.created
    assert other.conflict_field == "partner_reference"
    assert other.signal.pk == first.signal.pk
    assert first.signal.reference in conflict_message(other)
    assert same.outcome is Outcome.REPLAYED and same.signal.pk == first.signal.pk
    assert Signal.objects.count() == 1


def test_a_large_batch_keeps_each_signals_fingerprint(world, api_as):
    # From 64 rows on signals are written with COPY: the fingerprint must be
    # stored that way too, or a later conflicting filing would pass as a replay.
    payloads = [signal(partner_reference=f"B-{n}", subject__surname=f"Huishouden{n}") for n in range(70)]
    filings = file_signals(
        actor=world.corporatie, submissions=[Submission(validate_signal(p)) for p in payloads]
    )
    assert [f.outcome for f in filings] == [Outcome.CREATED] * 70
    client = api_as(world.corporatie)

    repeat = client.post(URL, payloads[40], format="json")
    conflict = client.post(URL, signal(partner_reference="B-40", **OTHER_PERSON), format="json")

    assert repeat.status_code == 201 and repeat.json()["reference"] == filings[40].signal.reference
    assert conflict.status_code == 409
    assert filings[40].signal.reference in conflict.json()["partner_reference"][0]
    assert Signal.objects.count() == 70


def test_signals_filed_before_fingerprints_count_as_identical(world, api_as):
    client = api_as(world.corporatie)
    first = client.post(URL, signal(), format="json").json()
    Signal.objects.update(content_index="")  # as the migration leaves earlier signals

    again = client.post(URL, signal(**OTHER_PERSON), format="json")

    assert again.status_code == 201
    assert again.json() == first
    assert Signal.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_different_filings_with_one_reference_at_the_same_moment_store_one(world, api_as):
    barrier = threading.Barrier(2)
    answers: list[tuple[int, dict]] = []

    def file(changes: dict) -> None:
        try:
            client = api_as(world.corporatie)
            barrier.wait()
            response = client.post(URL, signal(**changes), format="json")
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=file, args=(c,)) for c in ({}, OTHER_PERSON)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(status for status, _ in answers) == [201, 409]
    [created] = [body for status, body in answers if status == 201]
    [refused] = [body for status, body in answers if status == 409]
    assert created["reference"] in refused["partner_reference"][0]
    assert Signal.objects.count() == 1
