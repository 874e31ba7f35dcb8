"""Many writers at once: every entry lands, no chain forks, and the log still verifies."""

from __future__ import annotations

import threading
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections, transaction

from audit import services
from audit.integrity import verify
from audit.models import AccessEvent, ChainHead
from audit.services import record

WRITERS = 8
EACH = 25


def _run_writers(write: Callable[[int, int], None]) -> list[BaseException]:
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                write(number, i)
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def _write(number: int, i: int) -> None:
    if i % 5 == 0:
        # Some entries inside a longer transaction, as a use case writes them.
        with transaction.atomic():
            record(actor=None, event_type="write", action=f"test.writer{number}")
            record(actor=None, event_type="read", action=f"test.writer{number}")
    else:
        record(actor=None, event_type="read", action=f"test.writer{number}")


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_their_own_chains_all_land_and_verify():
    errors = _run_writers(_write)

    assert errors == []
    expected = WRITERS * (EACH + EACH // 5)
    assert AccessEvent.objects.count() == expected
    for chain in AccessEvent.objects.values_list("chain", flat=True).distinct():
        seqs = sorted(AccessEvent.objects.filter(chain=chain).values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))
        assert ChainHead.objects.get(chain=chain).seq == len(seqs)
    assert verify() == verify(workers=2)
    result = verify(workers=2)
    assert (result.ok, result.checked) == (True, expected)
    out = StringIO()
    call_command("verify_audit_log", "--workers", "3", stdout=out)
    assert f"Checked {expected} " in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_forced_onto_one_chain_queue_up_without_forking_it(monkeypatch):
    # The worst case for the lock: everyone appends to chain 0.
    monkeypatch.setattr(services, "chain_for_current_thread", lambda: 0)

    errors = _run_writers(_write)

    assert errors == []
    expected = WRITERS * (EACH + EACH // 5)
    seqs = list(AccessEvent.objects.filter(chain=0).order_by("id").values_list("seq", flat=True))
    assert seqs == list(range(1, expected + 1))  # in id order too: what verify() relies on
    result = verify()
    assert (result.ok, result.checked, result.first_bad) == (True, expected, None)
