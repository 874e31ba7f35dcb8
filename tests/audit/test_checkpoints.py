"""Signed checkpoints outside the database catch what the chains cannot: a chain cut
short with its head set back, and a chain rewritten with the chain key."""

from __future__ import annotations

import base64
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from audit import checkpoints
from audit.chain import BODY_FIELDS, body, message, signer
from audit.integrity import verify
from audit.models import AccessEvent, ChainHead
from audit.services import record
from audit.tasks import write_checkpoint

from .conftest import write_entries

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="tampering uses PostgreSQL")


def _lines() -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(settings.AUDIT_CHECKPOINT_PATH).read_text().splitlines()]


def _cut_back(tamper, entries: list[AccessEvent], keep: int) -> None:
    """Delete a chain's newest entries and set its head back, as a database superuser could."""
    kept = entries[keep - 1]
    tamper("DELETE FROM audit_accessevent WHERE chain = %s AND seq > %s", [kept.chain, kept.seq])
    head = "UPDATE audit_chainhead SET seq = %s, hash = %s WHERE chain = %s"
    tamper(head, [kept.seq, kept.hash, kept.chain])


def _rechain(tamper, chain: int, from_seq: int) -> None:
    """Re-sign a chain from ``from_seq`` on with the chain key, as someone holding it could."""
    sign = signer()
    detail = AccessEvent._meta.get_field("detail")
    prev = AccessEvent.objects.get(chain=chain, seq=from_seq - 1).hash if from_seq > 1 else "0" * 64
    rows = AccessEvent.objects.filter(chain=chain, seq__gte=from_seq).order_by("seq")
    for entry_id, seq, *values in rows.values_list("id", "seq", *BODY_FIELDS):
        fields = dict(zip(BODY_FIELDS, values, strict=True))
        fields["detail"] = detail.get_prep_value(fields["detail"])
        new_hash = sign(message(prev, chain, seq, body(**fields)))
        rewrite = "UPDATE audit_accessevent SET prev_hash = %s, hash = %s WHERE id = %s"
        tamper(rewrite, [prev, new_hash, entry_id])
        prev = new_hash
    tamper("UPDATE audit_chainhead SET hash = %s WHERE chain = %s", [prev, chain])


def test_a_checkpoint_is_one_signed_line_of_every_chain_head(world):
    entries = write_entries(world, 5)

    written = checkpoints.write()

    assert written is not None
    head = ChainHead.objects.get(chain=entries[0].chain)
    (line,) = _lines()
    assert line["heads"] == [[head.chain, 5, entries[-1].hash]] == [[head.chain, head.seq, head.hash]]
    assert line["key"] == checkpoints.key_id(checkpoints.public_key_bytes())
    signed = {name: value for name, value in line.items() if name != "sig"}
    public = Ed25519PrivateKey.from_private_bytes(settings.SCHAKELPUNT_KEYS.audit_checkpoint_key).public_key()
    canonical = json.dumps(signed, sort_keys=True, separators=(",", ":")).encode()
    public.verify(base64.b64decode(str(line["sig"])), canonical)  # raises when it does not check out


def test_only_a_moved_head_adds_a_line_and_lines_are_only_appended(world):
    write_entries(world, 3)
    checkpoints.write()
    first = Path(settings.AUDIT_CHECKPOINT_PATH).read_bytes()

    assert checkpoints.write() is None  # nothing moved
    write_entries(world, 2)
    write_checkpoint()  # the beat's task

    content = Path(settings.AUDIT_CHECKPOINT_PATH).read_bytes()
    assert content.startswith(first)
    assert [line["heads"][0][1] for line in _lines()] == [3, 5]
    assert settings.CELERY_BEAT_SCHEDULE["audit-checkpoint"] == {
        "task": "audit.tasks.write_checkpoint",
        "schedule": 60.0,
    }


def test_tail_deletion_with_the_head_set_back_is_found(world, tamper, api_as):
    entries = write_entries(world, 12)
    checkpoints.write()

    _cut_back(tamper, entries, keep=9)

    result = verify()
    assert result.ok is False
    assert result.first_bad == entries[8].pk  # the last entry left
    (finding,) = result.findings
    assert (finding.problem, finding.chain, finding.seq, finding.checkpoint_seq, finding.line) == (
        "missing",
        entries[0].chain,
        10,
        12,
        1,
    )

    out = StringIO()
    with pytest.raises(CommandError, match=str(entries[8].pk)):
        call_command("verify_audit_log", stdout=out)
    assert f"Chain {entries[0].chain} is shorter than checkpoint file line 1 (seq 12)" in out.getvalue()
    assert "from seq 10 on are missing" in out.getvalue()

    answer = api_as(world.auditor).get("/api/v1/audit/verify/").json()
    assert (answer["ok"], answer["first_bad"]) == (False, entries[8].pk)
    assert answer["findings"][0] == {
        "problem": "missing",
        "line": 1,
        "chain": entries[0].chain,
        "seq": 10,
        "entry_id": entries[8].pk,
        "checkpoint_seq": 12,
    }


def test_the_same_cut_without_any_checkpoint_goes_unseen(world, tamper):
    """What the checkpoints add: the chains alone cannot tell a cut-back chain from a short one."""
    entries = write_entries(world, 12)

    _cut_back(tamper, entries, keep=9)

    assert verify().ok is True


def test_a_chain_rewritten_with_the_chain_key_is_found_by_the_checkpoints(world, tamper):
    entries = write_entries(world, 4)
    checkpoints.write()
    entries += write_entries(world, 2)
    entries.append(
        record(actor=world.triage, event_type="read", action="case.read", break_glass=True, purpose="Spoed")
    )
    entries += write_entries(world, 5)
    checkpoints.write()
    chain = entries[0].chain
    assert entries[6].seq == 7

    # The break-the-glass read made to look ordinary, and every hash from it on recomputed.
    tamper("UPDATE audit_accessevent SET break_glass = false, purpose = '' WHERE id = %s", [entries[6].pk])
    _rechain(tamper, chain, from_seq=7)
    assert not AccessEvent.objects.filter(break_glass=True).exists()

    result = verify()

    assert result.ok is False
    assert result.checkpoints == 2
    (finding,) = result.findings
    # Seq 4 still matches its checkpoint, seq 12 does not: the change lies in 5..12.
    assert (finding.problem, finding.chain, finding.seq, finding.checkpoint_seq, finding.line) == (
        "changed",
        chain,
        5,
        12,
        2,
    )
    assert result.first_bad == entries[4].pk


def test_the_rewrite_passes_the_chains_themselves(world, tamper):
    """Without checkpoints the rewrite would pass: this is the hole they close."""
    entries = write_entries(world, 6)
    tamper("UPDATE audit_accessevent SET action = 'case.list' WHERE id = %s", [entries[2].pk])
    _rechain(tamper, entries[0].chain, from_seq=3)

    assert verify().ok is True


def test_a_checkpoint_with_a_bad_signature_is_reported_and_not_used(world):
    entries = write_entries(world, 3)
    checkpoints.write()
    (line,) = _lines()
    forged = {**line, "heads": [[entries[0].chain, 99, "f" * 64]]}
    other_key = {**line, "sig": base64.b64encode(Ed25519PrivateKey.generate().sign(b"x")).decode()}
    with Path(settings.AUDIT_CHECKPOINT_PATH).open("a") as handle:
        handle.write(json.dumps(forged) + "\n" + json.dumps(other_key) + "\n" + "{not json\n")

    result = verify()

    assert result.ok is False
    assert result.checkpoints == 1
    assert [(f.problem, f.line) for f in result.findings] == [
        ("bad_signature", 2),
        ("bad_signature", 3),
        ("unreadable", 4),
    ]
    assert result.first_bad is None  # the forged heads name no entry of the log


def test_every_check_writes_a_checkpoint_first(world):
    write_entries(world, 4)

    call_command("verify_audit_log", stdout=StringIO())

    (line,) = _lines()
    assert line["heads"][0][1] == 4


def test_a_checkpoint_of_another_key_counts_once_that_key_is_listed(world, settings):
    write_entries(world, 2)
    checkpoints.write()
    old_public = checkpoints.public_key_bytes()
    ring = settings.SCHAKELPUNT_KEYS
    settings.SCHAKELPUNT_KEYS = type(ring)(
        field_keys=ring.field_keys,
        blind_index_key=ring.blind_index_key,
        audit_chain_key=ring.audit_chain_key,
        audit_checkpoint_key=b"n" * 32,
    )

    assert [f.problem for f in verify().findings] == ["bad_signature"]

    settings.AUDIT_CHECKPOINT_PUBLIC_KEYS = [base64.b64encode(old_public).decode()]
    result = verify()
    assert (result.ok, result.checkpoints) == (True, 1)


def test_a_line_cut_short_is_reported_and_the_next_one_starts_on_a_line_of_its_own(world):
    write_entries(world, 2)
    checkpoints.write()
    with Path(settings.AUDIT_CHECKPOINT_PATH).open("a") as handle:
        handle.write('{"v": 1, "at": "2026-')  # a crash in the middle of a write
    write_entries(world, 1)

    checkpoints.write()

    result = verify()
    assert [(f.problem, f.line) for f in result.findings] == [("unreadable", 2)]
    assert result.checkpoints == 2


def test_the_auditors_page_names_the_checkpoint_a_chain_no_longer_meets(world, tamper):
    from django.test import Client

    entries = write_entries(world, 6)
    checkpoints.write()
    _cut_back(tamper, entries, keep=4)
    with pytest.raises(CommandError):
        call_command("verify_audit_log", stdout=StringIO())
    client = Client()
    client.force_login(world.auditor)

    html = client.get("/toegangslog/integriteit/").content.decode()

    assert f"Keten {entries[0].chain} is korter dan controlepunt 1" in html
    assert "vanaf volgnummer 5 ontbreken" in html
