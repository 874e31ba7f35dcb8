"""Writing an entry: who, from where, about what — and nothing written when the change is not."""

from __future__ import annotations

import contextlib
import itertools
import uuid

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from audit import context
from audit.chain import GENESIS
from audit.integrity import verify
from audit.models import AccessEvent, ChainHead
from audit.services import record


@pytest.fixture
def request_context():
    token = context.activate(
        context.RequestContext(
            request_id="req-0123456789", client_ip="192.0.2.10", user_agent="Testbrowser/1.0"
        )
    )
    yield
    context.deactivate(token)


def test_an_entry_names_the_actor_the_request_and_the_case(world, request_context):
    case_id = uuid.uuid4()

    entry = record(
        actor=world.triage,
        event_type="read",
        action="case.read",
        object_type="case",
        object_id=str(case_id),
        case_id=case_id,
        subject_id="household-17",
        detail={"fields": 3},
    )

    stored = AccessEvent.objects.get(pk=entry.pk)
    assert (stored.user_id, stored.username, stored.user_name) == (
        world.triage.pk,
        "schakelpunt",
        world.triage.display_name,
    )
    assert stored.role == "triage"
    assert stored.organisation == "Gemeente"
    assert (stored.client_ip, stored.user_agent, stored.request_id) == (
        "192.0.2.10",
        "Testbrowser/1.0",
        "req-0123456789",
    )
    assert (stored.case_id, stored.subject_id, stored.object_type) == (case_id, "household-17", "case")
    assert (stored.event_type, stored.action, stored.outcome) == ("read", "case.read", "success")
    assert stored.detail == {"fields": 3}
    assert stored.seq >= 1 and len(stored.hash) == 64 and stored.hash != stored.prev_hash


def test_the_role_acted_in_is_kept_and_defaults_to_all_roles(world):
    world.coordinator_noord.roles = ["coordinator", "professional"]

    default = record(actor=world.coordinator_noord, event_type="read", action="case.list")
    chosen = record(actor=world.coordinator_noord, role="professional", event_type="read", action="case.list")

    assert default.role == "coordinator,professional"
    assert chosen.role == "professional"


def test_a_request_through_the_api_carries_its_request_id_ip_and_user_agent(world, api_as):
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    response = api_as(world.auditor).get(
        "/api/v1/audit/events/",
        HTTP_X_REQUEST_ID="trace-abcdef123456",
        HTTP_TRACEPARENT=traceparent,
        HTTP_USER_AGENT="Auditclient/2.0",
        REMOTE_ADDR="198.51.100.7",
    )

    assert response.status_code == 200
    entry = AccessEvent.objects.get(action="audit.events.list")
    # The request id is the server's own; the client's trace is kept beside it.
    assert entry.request_id == response["X-Request-ID"] != "trace-abcdef123456"
    assert (entry.trace_parent, entry.client_ip, entry.user_agent) == (
        traceparent,
        "198.51.100.7",
        "Auditclient/2.0",
    )


def test_consecutive_entries_of_a_chain_link_up(db):
    first = record(actor=None, event_type="read", action="test.one")
    second = record(actor=None, event_type="read", action="test.two")

    assert second.chain == first.chain  # same thread, same chain
    assert (second.seq, second.prev_hash) == (first.seq + 1, first.hash)
    head = ChainHead.objects.get(chain=first.chain)
    assert (head.seq, head.hash) == (second.seq, second.hash)


def test_separators_and_overlong_text_are_cleaned_not_refused(db):
    entry = record(actor=None, event_type="read", action="a\x1fb\x1ec\x00d" + "x" * 500)

    stored = AccessEvent.objects.get(pk=entry.pk)
    assert stored.action.startswith("abcd")
    assert len(stored.action) == 200
    assert verify().ok


def test_an_oversized_detail_is_refused_and_nothing_is_written(db):
    with pytest.raises(ValueError):
        record(actor=None, event_type="read", action="test", detail={"blob": "x" * 5000})

    assert not AccessEvent.objects.exists()


def test_entries_of_a_rolled_back_change_vanish_with_it(db):
    kept = record(actor=None, event_type="read", action="test.kept")

    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=None, event_type="write", action="test.rolled_back")
        raise RuntimeError("the change failed")

    assert list(AccessEvent.objects.values_list("action", flat=True)) == ["test.kept"]
    # The head went back too: the next entry follows the kept one directly.
    after = record(actor=None, event_type="read", action="test.after")
    assert (after.seq, after.prev_hash) == (kept.seq + 1, kept.hash)
    assert verify().ok


def test_a_failed_write_raises_and_the_callers_change_cannot_commit(world):
    # Occupy the next position of this thread's chain behind record()'s back,
    # so its insert violates the (chain, seq) uniqueness.
    probe = record(actor=None, event_type="read", action="test.probe")
    AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                occurred_at=probe.occurred_at,
                event_type="read",
                action="test.squatter",
                outcome="success",
                chain=probe.chain,
                seq=probe.seq + 1,
                prev_hash=GENESIS,
                hash=GENESIS,
            )
        ]
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        world.huisarts.first_name = "Gewijzigd"
        world.huisarts.save()
        record(actor=world.triage, event_type="write", action="user.update")

    world.huisarts.refresh_from_db()
    assert world.huisarts.first_name != "Gewijzigd"


def test_a_failure_inside_the_callers_transaction_poisons_it(db):
    probe = record(actor=None, event_type="read", action="test.probe")
    AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                occurred_at=probe.occurred_at,
                event_type="read",
                action="test.squatter",
                outcome="success",
                chain=probe.chain,
                seq=probe.seq + 1,
                prev_hash=GENESIS,
                hash=GENESIS,
            )
        ]
    )

    # A caller that swallows the error still cannot go on and commit.
    with pytest.raises(DatabaseError), transaction.atomic():
        with contextlib.suppress(IntegrityError):
            record(actor=None, event_type="write", action="test.swallowed")
        AccessEvent.objects.count()


@pytest.mark.django_db
def test_entries_recorded_in_one_batch_chain_like_single_ones() -> None:
    from audit.integrity import verify
    from audit.services import record_many

    record(actor=None, event_type="write", action="before")
    batch = record_many([{"actor": None, "event_type": "write", "action": f"batch.{n}"} for n in range(5)])
    record(actor=None, event_type="write", action="after")

    assert [e.seq for e in batch] == list(range(batch[0].seq, batch[0].seq + 5))
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(batch))
    assert verify().ok
