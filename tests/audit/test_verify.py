"""Tampering behind the application's back is found by verify(), the command and the auditor API."""

from __future__ import annotations

import hmac
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.chain import BODY_FIELDS, Signer, body, body_sql, chain_count, iso_utc
from audit.integrity import verify
from audit.models import AccessEvent, ChainHead, VerificationRun
from audit.services import record
from audit.tasks import verify_audit_log as daily_check

from .conftest import write_entries

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="tampering uses PostgreSQL")


@pytest.fixture
def log(world) -> list[AccessEvent]:
    """Twelve entries in one chain, of the kinds the application writes."""
    return write_entries(world, 12)


def test_an_untouched_log_verifies(log):
    result = verify()
    assert (result.ok, result.checked, result.first_bad) == (True, 12, None)


def test_an_edited_entry_is_found_by_verify_the_command_and_the_api(log, tamper, world, api_as):
    edited = log[5]
    tamper("UPDATE audit_accessevent SET username = 'iemand-anders' WHERE id = %s", [edited.pk])

    result = verify()
    assert (result.ok, result.first_bad) == (False, edited.pk)

    out = StringIO()
    with pytest.raises(CommandError, match=str(edited.pk)):
        call_command("verify_audit_log", stdout=out)
    assert "Checked 12 " in out.getvalue()

    response = api_as(world.auditor).get("/api/v1/audit/verify/")
    assert response.status_code == 200
    assert response.json()["ok"] is False
    assert response.json()["first_bad"] == edited.pk


def test_each_verification_is_itself_logged_and_stored_as_a_run(log):
    call_command("verify_audit_log", stdout=StringIO())
    daily_check()

    by_command, by_task = AccessEvent.objects.filter(event_type="verify").order_by("id")
    assert (by_command.user_id, by_command.outcome, by_command.detail["via"]) == (None, "success", "command")
    assert by_command.detail["checked"] == 12
    assert (by_task.user_id, by_task.detail["via"], by_task.detail["checked"]) == (None, "task", 13)
    runs = {str(run.pk): run for run in VerificationRun.objects.all()}
    assert set(runs) == {by_command.object_id, by_task.object_id}
    assert (runs[by_task.object_id].state, runs[by_task.object_id].ok) == ("finished", True)


def test_a_failed_verification_is_logged_as_an_error(log, tamper):
    tamper("UPDATE audit_accessevent SET purpose = 'verzonnen' WHERE id = %s", [log[2].pk])

    with pytest.raises(CommandError):
        call_command("verify_audit_log", stdout=StringIO())

    entry = AccessEvent.objects.get(event_type="verify")
    assert entry.outcome == "error"
    assert entry.detail["first_bad"] == log[2].pk


def test_an_edited_hash_or_link_is_found(log, tamper):
    tamper("UPDATE audit_accessevent SET prev_hash = %s WHERE id = %s", ["f" * 64, log[3].pk])

    assert verify().first_bad == log[3].pk


def test_deleting_the_newest_entry_is_found(log, tamper):
    tamper("DELETE FROM audit_accessevent WHERE id = %s", [log[-1].pk])

    result = verify()
    assert result.ok is False
    assert result.first_bad == log[-2].pk  # the chain now ends early, after this entry


def test_deleting_an_entry_in_the_middle_is_found(log, tamper):
    tamper("DELETE FROM audit_accessevent WHERE id = %s", [log[4].pk])

    assert verify().first_bad == log[5].pk


def test_deleting_a_whole_chain_is_found(log, tamper):
    tamper("DELETE FROM audit_accessevent")

    result = verify()
    assert (result.ok, result.checked, result.first_bad) == (False, 0, None)


def test_an_entry_appended_without_the_key_is_found(log):
    last = log[-1]
    AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                occurred_at=last.occurred_at,
                event_type="read",
                action="case.read",
                outcome="success",
                chain=last.chain,
                seq=last.seq + 1,
                prev_hash=last.hash,
                hash="0" * 64,
            )
        ]
    )
    forged = AccessEvent.objects.latest("id")

    assert verify().first_bad == forged.pk


def test_the_lowest_bad_id_is_reported_across_chains(log, tamper):
    other_chain = (log[0].chain + 1) % chain_count()
    ChainHead.objects.get_or_create(chain=other_chain)
    AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                occurred_at=log[0].occurred_at,
                event_type="read",
                action="case.read",
                outcome="success",
                chain=other_chain,
                seq=1,
                prev_hash="0" * 64,
                hash="1" * 64,
            )
        ]
    )
    tamper("UPDATE audit_accessevent SET action = 'case.list' WHERE id = %s", [log[7].pk])

    assert verify().first_bad == log[7].pk


def test_verify_can_check_a_subset_of_chains(log, tamper):
    chain = log[0].chain
    tamper("UPDATE audit_accessevent SET action = 'case.list' WHERE id = %s", [log[1].pk])

    assert verify(chains=[chain]).first_bad == log[1].pk
    others = verify(chains=[c for c in range(chain_count()) if c != chain])
    assert (others.ok, others.checked) == (True, 0)


def test_postgresql_builds_the_same_canonical_text_as_python(world):
    entry = record(
        actor=world.triage,
        event_type="read",
        action="case.read ☃ é",
        case_id=uuid.uuid4(),
        break_glass=True,
        purpose='Spoed: "huisuitzetting"\nmorgen\\vandaag',
        detail={"z": 1, "a": ["x", None, 1.5], "é": "\\"},
    )
    anonymous = record(actor=None, event_type="login_failed", action="login", outcome="denied")

    for item in (entry, anonymous):
        stored = AccessEvent.objects.values_list(*BODY_FIELDS).get(pk=item.pk)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {body_sql()} FROM audit_accessevent WHERE id = %s", [item.pk])
            from_sql = cursor.fetchone()[0]
        fields = dict(zip(BODY_FIELDS, stored, strict=True))
        fields["detail"] = AccessEvent._meta.get_field("detail").get_prep_value(fields["detail"])
        assert from_sql == body(**fields)
        assert from_sql.startswith(iso_utc(item.occurred_at))


def test_the_signer_is_plain_hmac_sha256():
    for secret in (b"k" * 32, b"k" * 100):
        assert Signer(secret)(b"bericht") == hmac.digest(secret, b"bericht", "sha256").hex()
