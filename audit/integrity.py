"""Verifying the access log's hash chains.

``verify()`` recomputes every entry's HMAC and checks, per chain, that
sequence numbers run 1, 2, 3… without gaps, that each entry names its
predecessor's hash, and that the chain reaches its ``ChainHead`` (which
catches deleting the newest entries, invisible to a walk over what is left).

It has to be fast — ten million entries within a minute on two cores — so it
reads raw rows page by page (no model instances) and lets PostgreSQL build
each entry's canonical text (``chain.body_sql``: one column to fetch instead
of twenty). ``verify(workers=n)`` cuts the log into n id ranges that forked
processes check side by side (threads where forking is not allowed, as in a
Celery prefork child), each row read once, all in one exported snapshot. A
range starts mid-chain, so each chain's first entry in a range is joined to
that chain's last entry in the ranges before it when the findings are
merged. ``verify(chains=[...])`` checks a subset of the chains.

Then the database is compared with every signed checkpoint outside it
(``audit.checkpoints``), which catches what the chains and heads cannot
show once someone moved a head back or re-chained entries with the key.

A web process must never fork (a forked child keeps the listening socket and
outlives a killed gunicorn worker): ``verify(fork=False)`` uses threads even
where forking is allowed. ``verify(progress=Progress())`` counts the entries
checked so far, across the threads or processes, for a job to report.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connections, router, transaction

from . import checkpoints
from .chain import BODY_FIELDS, GENESIS, body, body_sql, message, signer
from .checkpoints import Finding
from .models import AccessEvent, ChainHead

PAGE = 20_000
DEFAULT_WORKERS = 4
"""Four id ranges on two cores: while one range's process hashes, another's
PostgreSQL server builds the next page, so both cores stay busy."""
_BEFORE_ALL_IDS = -(2**63)


class Progress:
    """How far one check is: ``total`` entries expected (what the chain heads
    promise, known once the snapshot is taken) and ``checked`` so far.

    The count lives in shared memory, so forked processes add to it as well as
    threads; another thread of the caller reads it to report progress.
    """

    def __init__(self) -> None:
        self._checked = multiprocessing.get_context("fork").Value("q", 0)
        self.total: int | None = None

    def add(self, entries: int) -> None:
        with self._checked.get_lock():
            self._checked.value += entries

    @property
    def checked(self) -> int:
        return int(self._checked.value)


@dataclass(frozen=True)
class Result:
    """Outcome of a verification.

    ``first_bad`` is the lowest id among the entries found wrong: an altered
    or inserted entry, the entry after a gap, or — when a chain's newest
    entries were deleted — the last entry that is left. It is ``None`` when
    everything checks out, and also when the only finding has no entry to
    point at (a chain whose every entry was deleted); ``ok`` tells those
    apart.

    ``checkpoints`` counts the signed checkpoints the log was compared with;
    ``findings`` says which of them it no longer meets, and which lines of
    the checkpoint file could not be trusted (``checkpoints.Finding``).
    """

    ok: bool
    checked: int
    first_bad: int | None
    checkpoints: int = 0
    findings: tuple[Finding, ...] = ()

    def merge(self, other: Result) -> Result:
        bad = [i for i in (self.first_bad, other.first_bad) if i is not None]
        return Result(
            self.ok and other.ok,
            self.checked + other.checked,
            min(bad) if bad else None,
            self.checkpoints + other.checkpoints,
            self.findings + other.findings,
        )


def verify(
    *,
    chains: Iterable[int] | None = None,
    workers: int = 1,
    fork: bool = True,
    progress: Progress | None = None,
) -> Result:
    """Check the whole log, or only ``chains``; with ``workers`` > 1 in that many id ranges at once.

    The ranges go to forked processes, or to threads with ``fork=False`` (and
    always in a daemon process such as a Celery prefork child, which may not
    fork). ``progress``, when given, counts the entries as they are checked.

    Safe while entries are being written: everything is read in one snapshot
    (shared by the workers). Inside a transaction (tests, a caller's atomic
    block) the ranges are checked one after another in this thread, since
    other connections could not see the transaction's own entries.
    """
    alias = router.db_for_read(AccessEvent)
    selected = None if chains is None else sorted(set(chains))
    if selected is not None and not selected:
        return Result(True, 0, None)
    # Read before the snapshot is taken: every checkpoint in the file then
    # names entries committed before it, which the snapshot must show.
    marks = checkpoints.load()
    if workers <= 1:
        result = _verify_chains(alias, selected, progress)
    else:
        result = _verify_ranges(alias, selected, workers, fork, progress)
    return result.merge(_against(marks, selected, alias))


def _against(marks: checkpoints.Loaded, chains: list[int] | None, alias: str) -> Result:
    """The log compared with the signed checkpoints (``checkpoints.compare``)."""
    findings = checkpoints.compare(marks, chains, alias)
    ids = [finding.entry_id for finding in findings if finding.entry_id is not None]
    return Result(not findings, 0, min(ids) if ids else None, len(marks.checkpoints), findings)


def _verify_chains(alias: str, chains: list[int] | None, progress: Progress | None) -> Result:
    with _snapshot(alias, chains, progress) as (heads, _exported):
        span = _check_span(alias, chains, heads, _BEFORE_ALL_IDS, None, progress)
    return _merged(heads, [span])


@contextmanager
def _snapshot(
    alias: str, chains: list[int] | None, progress: Progress | None = None
) -> Iterator[tuple[dict[int, tuple[int, str]], str | None]]:
    """A read-only transaction whose snapshot every read of one check uses; yields
    the chain heads as of that snapshot and (on PostgreSQL, outside a caller's
    transaction) the snapshot's id for other connections to share."""
    connection = connections[alias]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        exported = None
        if outermost and connection.vendor == "postgresql":
            # One snapshot for the heads and every page: with a fresh
            # snapshot per page, an entry committed between two pages could
            # look like a gap in its chain.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            exported = cursor.fetchone()[0]
        heads = {
            chain: (seq, head_hash)
            for chain, seq, head_hash in ChainHead.objects.using(alias).values_list("chain", "seq", "hash")
            if chains is None or chain in chains
        }
        if progress is not None:
            # Chain n holds seq 1..head: the entries this snapshot must show.
            progress.total = sum(seq for seq, _hash in heads.values())
        yield heads, exported


@dataclass
class _Span:
    """What one id range of the log showed: its own findings, and per chain its
    first entry (id, seq, prev_hash) and last entry (id, seq, hash), so that
    consecutive ranges can be joined."""

    result: Result
    first: dict[int, tuple[int, int, str]]
    last: dict[int, tuple[int, int, str]]


def _check_span(
    alias: str,
    chains: list[int] | None,
    heads: dict[int, tuple[int, str]],
    after: int,
    upto: int | None,
    progress: Progress | None = None,
) -> _Span:
    """Check the entries with ``after`` < id <= ``upto`` (no upper end: None) in id order.

    Within the range each entry must follow the one before it in its chain;
    the first entry of each chain in the range is joined to what comes before
    it by ``_merged``.
    """
    connection = connections[alias]
    postgresql = connection.vendor == "postgresql"
    sign = signer()
    table = connection.ops.quote_name(AccessEvent._meta.db_table)
    # PostgreSQL hands over each entry's canonical text; elsewhere the
    # columns come separately and Python joins them (chain.body).
    fields = body_sql() if postgresql else ", ".join(connection.ops.quote_name(f) for f in BODY_FIELDS)
    chain_filter = "" if chains is None else f" AND chain IN ({', '.join(['%s'] * len(chains))})"
    upper = "" if upto is None else " AND id <= %s"
    # Keyset pages in id order rather than one walk per chain in seq order:
    # within a chain ids rise with seq (a chain's inserts are ordered by its
    # head lock), and id order reads the table front to back once instead of
    # hopping across all of it for every chain.
    sql = (
        f"SELECT id, chain, seq, prev_hash, hash, {fields} FROM {table}"  # noqa: S608
        f" WHERE id > %s{upper}{chain_filter} ORDER BY id LIMIT {PAGE}"
    )
    bounds = [] if upto is None else [upto]

    ok = True
    first_bad: int | None = None
    checked = 0

    def bad(entry_id: int) -> None:
        nonlocal ok, first_bad
        ok = False
        if first_bad is None or entry_id < first_bad:
            first_bad = entry_id

    first: dict[int, tuple[int, int, str]] = {}
    # Per chain: [next expected seq, hash of the last entry, id of the last
    # entry, seq of the last entry] — one dict lookup per row.
    state: dict[int, list[Any]] = {}
    no_head = (-1, "")
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [after, *bounds, *(chains or [])])
            rows = cursor.fetchall()
            if not rows:
                break
            after = rows[-1][0]
            if not postgresql:
                rows = [(*row[:5], body(*row[5:])) for row in rows]
            checked += len(rows)
            if progress is not None:
                progress.add(len(rows))
            for entry_id, chain, seq, prev_hash, stored, text in rows:
                chain_state = state.get(chain)
                if chain_state is None:
                    # The chain's first entry in this range: its link to the
                    # entry before is checked when the ranges are joined.
                    first[chain] = (entry_id, seq, prev_hash)
                    chain_state = state[chain] = [seq, prev_hash, entry_id, seq]
                    if chain not in heads:
                        # An entry of a chain without a head: forged, or its
                        # head was deleted behind the database's back.
                        bad(entry_id)
                head_seq, head_hash = heads.get(chain, no_head)
                if (
                    seq != chain_state[0]
                    or prev_hash != chain_state[1]
                    or sign(message(prev_hash, chain, seq, text)) != stored
                    or (seq == head_seq and stored != head_hash)
                ):
                    bad(entry_id)
                # Go on from what is stored, so one altered entry is reported
                # once rather than casting doubt on the rest of its chain.
                chain_state[0] = seq + 1
                chain_state[1] = stored
                chain_state[2] = entry_id
                chain_state[3] = seq
    last = {chain: (entry_id, seq, last_hash) for chain, (_n, last_hash, entry_id, seq) in state.items()}
    return _Span(Result(ok, checked, first_bad), first, last)


def _merged(heads: dict[int, tuple[int, str]], spans: list[_Span]) -> Result:
    """Join consecutive ranges' findings: each chain's first entry in a range must
    follow its last entry in the ranges before (or start the chain), and every
    chain must reach its head."""
    result = Result(True, 0, None)
    # Per chain: (id, seq, hash) of its last entry so far.
    last: dict[int, tuple[int | None, int, str]] = {}
    for span in spans:
        result = result.merge(span.result)
        for chain, (entry_id, seq, prev_hash) in span.first.items():
            _before_id, before_seq, before_hash = last.get(chain, (None, 0, GENESIS))
            if seq != before_seq + 1 or prev_hash != before_hash:
                result = result.merge(Result(False, 0, entry_id))
        last.update(span.last)
    for chain, (head_seq, _head_hash) in heads.items():
        last_id, last_seq, _last_hash = last.get(chain, (None, 0, GENESIS))
        if last_seq < head_seq:
            # The newest entries of this chain are gone (all of them: no id to name).
            result = result.merge(Result(False, 0, last_id))
    return result


def _verify_ranges(
    alias: str, chains: list[int] | None, workers: int, fork: bool, progress: Progress | None
) -> Result:
    """The log cut into ``workers`` id ranges, each read once, by processes or
    threads sharing one snapshot (inside a caller's transaction: one after
    another here)."""
    connection = connections[alias]
    with _snapshot(alias, chains, progress) as (heads, exported):
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(AccessEvent._meta.db_table)
            cursor.execute(f"SELECT min(id), max(id) FROM {table}")  # noqa: S608
            low, high = cursor.fetchone()
        if low is None:
            return _merged(heads, [])
        step = (high - low) // workers + 1
        cuts = [low - 1 + step * n for n in range(workers)] + [high]
        jobs = [(cuts[n], cuts[n + 1] if n + 1 < workers else None) for n in range(workers)]
        if exported is None:
            spans = [_check_span(alias, chains, heads, after, upto, progress) for after, upto in jobs]
        elif not fork or multiprocessing.current_process().daemon:
            # A web process must not fork, a Celery prefork child may not:
            # threads, hashing in turn.
            def check(job: tuple[int, int | None]) -> _Span:
                return _check_shared(alias, exported, chains, heads, job[0], job[1], progress)

            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="verify-audit") as pool:
                spans = list(pool.map(check, jobs))
        else:
            # Forked processes hash in parallel (threads would take turns on
            # the GIL, and hashing is half the work).
            context = multiprocessing.get_context("fork")
            with context.Pool(workers, initializer=_fresh_connections, initargs=(progress,)) as processes:
                arguments = [(alias, exported, chains, heads, *job) for job in jobs]
                spans = processes.starmap(_check_shared, arguments)
                # Let the children finish on their own: leaving the block
                # terminates whatever is still running (with SIGTERM).
                processes.close()
                processes.join()
    return _merged(heads, spans)


_INHERITED: list[Any] = []
_CHILD_PROGRESS: list[Progress] = []


def _fresh_connections(progress: Progress | None = None) -> None:
    # A Celery worker's own SIGTERM handler (warm shutdown) is inherited by a
    # forked child and would keep it alive through the pool's terminate().
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # A forked child inherits the parent's open connections (and the parent's
    # transaction state on them); it must neither use nor close those sockets,
    # so it keeps the inherited wrappers referenced (never finalised) until
    # it exits, and opens connections of its own.
    for alias in connections:
        _INHERITED.append(connections[alias])
        connections[alias] = connections.create_connection(alias)
    if progress is not None:
        _CHILD_PROGRESS.append(progress)  # inherited: its counter is shared memory


def _check_shared(
    alias: str,
    exported: str,
    chains: list[int] | None,
    heads: dict[int, tuple[int, str]],
    after: int,
    upto: int | None,
    progress: Progress | None = None,
) -> _Span:
    """``_check_span`` on this thread's own connection, in the exported snapshot."""
    if progress is None and _CHILD_PROGRESS:
        progress = _CHILD_PROGRESS[0]
    connection = connections[alias]
    try:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [exported])
            return _check_span(alias, chains, heads, after, upto, progress)
    finally:
        connection.close()  # this thread's own connection
