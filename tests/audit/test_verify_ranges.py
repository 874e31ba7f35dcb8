"""verify(workers=n) cuts the log into id ranges; whatever the cut, it finds what one walk finds."""

from __future__ import annotations

import pytest
from django.db import connection

from audit.integrity import Result, verify
from audit.models import AccessEvent, ChainHead

from .conftest import write_entries

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="tampering uses PostgreSQL")


def _log(world, count: int = 12) -> list[AccessEvent]:
    return write_entries(world, count)


@pytest.mark.parametrize("workers", [2, 3, 5, 12])
def test_an_untouched_log_verifies_in_ranges(world, workers):
    log = _log(world)

    assert verify(workers=workers) == verify() == Result(True, len(log), None)


@pytest.mark.parametrize("workers", [1, 2, 3, 5])
@pytest.mark.parametrize("position", range(12))
def test_an_edited_entry_is_found_wherever_the_ranges_are_cut(world, tamper, workers, position):
    log = _log(world)
    tamper("UPDATE audit_accessevent SET username = 'iemand-anders' WHERE id = %s", [log[position].pk])

    result = verify(workers=workers)
    assert (result.ok, result.checked, result.first_bad) == (False, 12, log[position].pk)


@pytest.mark.parametrize("workers", [1, 2, 3, 5])
@pytest.mark.parametrize("position", range(11))
def test_a_deleted_entry_is_found_wherever_the_ranges_are_cut(world, tamper, workers, position):
    log = _log(world)
    tamper("DELETE FROM audit_accessevent WHERE id = %s", [log[position].pk])

    result = verify(workers=workers)
    assert (result.ok, result.first_bad) == (False, log[position + 1].pk)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_deleting_the_newest_entries_is_found_in_ranges(world, tamper, workers):
    log = _log(world)
    tamper("DELETE FROM audit_accessevent WHERE id >= %s", [log[-3].pk])

    result = verify(workers=workers)
    assert (result.ok, result.checked, result.first_bad) == (False, 9, log[-4].pk)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_an_edited_link_at_a_range_start_is_found(world, tamper, workers):
    log = _log(world)
    for entry in log[1:]:
        tamper("UPDATE audit_accessevent SET prev_hash = %s WHERE id = %s", ["f" * 64, entry.pk])
        result = verify(workers=workers)
        assert (result.ok, result.first_bad) == (False, entry.pk)
        tamper(
            "UPDATE audit_accessevent SET prev_hash = %s WHERE id = %s",
            [log[log.index(entry) - 1].hash, entry.pk],
        )
    assert verify(workers=workers).ok


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_an_entry_in_a_chain_without_a_head_is_found(world, tamper, workers):
    log = _log(world)
    tamper("DELETE FROM audit_chainhead WHERE chain = %s", [log[0].chain])

    result = verify(workers=workers)
    assert (result.ok, result.first_bad) == (False, log[0].pk)


def test_entries_in_several_chains_verify_in_ranges(world, monkeypatch):
    import audit.services

    first = _log(world, 4)
    other = (first[0].chain + 1) % 16
    ChainHead.objects.get_or_create(chain=other)
    with monkeypatch.context() as patched:
        patched.setattr(audit.services, "chain_for_current_thread", lambda: other)
        interleaved = _log(world, 4)
    _log(world, 4)

    assert {e.chain for e in first + interleaved} == {first[0].chain, other}
    for workers in (1, 2, 3, 7):
        assert verify(workers=workers) == Result(True, 12, None), workers


@pytest.mark.django_db(transaction=True)
def test_threads_share_one_snapshot_and_find_an_edit(world, tamper):
    from django.db import transaction

    log = _log(world, 30)
    assert verify(workers=2) == verify() == Result(True, 30, None)
    with transaction.atomic():
        tamper("UPDATE audit_accessevent SET action = 'case.list' WHERE id = %s", [log[16].pk])

    threaded = verify(workers=3)
    assert (threaded.ok, threaded.checked, threaded.first_bad) == (False, 30, log[16].pk)
