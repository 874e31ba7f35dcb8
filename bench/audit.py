"""Access-log cost, the auditor's pages and integrity: a case-detail read with and without
its log entry, the auditor's log pages (first, deep, oldest, filtered), "who saw this
household" and the CSV export's first bytes, and the integrity check of 10,000,000
entries as the auditor starts it.

The entries are generated as valid hash chains with the project's own
helpers (``audit.chain.body``, ``message``, ``signer``) and loaded with COPY
by two processes side by side (one per half of the chains), plain indexes
dropped during the load and rebuilt after; the chain heads are then moved
to the last entries. So the log is what a busy service leaves after years,
and the reads below append to it as production would.

The case is built through the API (three signals, outreach with a contact,
referral, a lead who accepted, a plan goal and a network member) and read by
its lead through ``GET /api/v1/cases/{id}/`` in-process (Django test client,
full middleware and token auth), alternating reads with the access log on
and off. "Off" replaces ``audit.services.record`` wherever it is imported,
and the bench checks that exactly the "on" reads left entries.

The integrity check is measured as the job it is in production: the auditor
starts it with ``POST /api/v1/audit/verify/`` (in-process, token auth), a real
Celery worker (``--pool``: ``prefork`` with two processes as the README runs
it, where the check uses threads; ``solo``, where it forks its id ranges)
takes it from Redis (``BENCH_BROKER``), and the figure is the time from the
POST until the run is finished, as ``GET /api/v1/audit/verify/{id}/`` would
show it.

    .venv/bin/python -m bench.audit              # full scale; loading takes several minutes
    .venv/bin/python -m bench.audit --reuse      # keep the loaded log of an earlier run
    .venv/bin/python -m bench.audit --smoke      # 20,000 entries, under a minute
    .venv/bin/python -m bench.audit --reuse --only-pages   # the auditor's pages alone
"""

from __future__ import annotations

import datetime
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a file: the repository, not bench/, goes first on the path
    # (bench/audit.py would shadow the ``audit`` app).
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import common

TARGET_COST = 0.15  # the access log may add at most 15% to a case-detail read
TARGET_VERIFY_S = 60.0  # for 10,000,000 entries
FULL_ENTRIES = 10_000_000


def _columns() -> list[str]:
    """The entry table's columns in the order rows are generated: the export's order."""
    from audit.export import FIELDS

    # The chained fields in the export's order, then those outside the chain.
    return [*FIELDS, "trace_parent"]


USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0",
    "woonsysteem-koppeling/4.2 (python-requests/2.32)",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
]
# event type, action, object type, share (out of 100)
EVENTS = [
    ("read", "case.read", "case", 55),
    ("read", "case.list", "case", 15),
    ("write", "signal.create", "signal", 15),
    ("transition", "case.claim", "case", 5),
    ("write", "case.contact.create", "contact_attempt", 4),
    ("login", "login", "", 5),
    ("denied", "GET /api/v1/cases/", "", 1),
]


def _check_columns() -> None:
    """Stop early when the entry table gained a field this generator does not fill."""
    from audit.models import AccessEvent

    known = {field.column for field in AccessEvent._meta.concrete_fields}
    if known != set(_columns()):
        raise SystemExit(
            f"bench/audit.py fills {sorted(_columns())} but the access log has {sorted(known)}:"
            " update the generator"
        )


def _load_part(job: tuple[str, int, int, int, int]) -> dict[int, tuple[int, str]]:
    """Generate and COPY the entries of this part's chains; returns each chain's last (seq, hash)."""
    database, total, chains, parts, part = job
    from audit.chain import GENESIS, body, message, signer

    sign = signer()
    rng = random.Random(part)
    users = [
        (
            1000 + n,
            f"medewerker{n:03d}",
            f"Medewerker {n:03d}",
            rng.choice(["triage", "coordinator", "professional", "partner"]),
            rng.choice(["Schakelpunt Gemeente", "Woonstichting Thuis", "Energie Samen"]),
        )
        for n in range(300)
    ]
    case_ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(50_000)]
    households = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(50_000)]
    ips = [f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}" for _ in range(500)]
    kinds = [event for event in EVENTS for _ in range(event[3])]
    start = datetime.datetime(2021, 11, 1, tzinfo=datetime.UTC)
    step = datetime.timedelta(microseconds=(5 * 365 * 86400 * 10**6) // max(total, 1))
    mine = [chain for chain in range(chains) if chain % parts == part]
    last: dict[int, tuple[int, str]] = {}
    prev = dict.fromkeys(mine, GENESIS)
    columns = ", ".join(_columns())
    with (
        common.pg_connect(database) as conn,
        conn.cursor() as cursor,
        cursor.copy(f"COPY audit_accessevent ({columns}) FROM STDIN") as copy,
    ):
        lines: list[str] = []
        for base in range(0, total, chains):
            seq = base // chains + 1
            for chain in mine:
                k = base + chain
                if k >= total:
                    break
                event_type, action, object_type, _share = kinds[k % len(kinds)]
                user_id, username, user_name, role, organisation = users[(k * 7) % len(users)]
                occurred = start + step * k
                case = case_ids[(k * 13) % len(case_ids)] if object_type else None
                subject = households[(k * 13) % len(households)] if object_type else ""
                object_id = str(case) if object_type == "case" else (f"{k:032x}" if object_type else "")
                detail = '{"count":50}' if action == "case.list" else "{}"
                if action == "case.list":
                    case, subject, object_id = None, "", ""
                ip = ips[k % len(ips)]
                agent = USER_AGENTS[k % len(USER_AGENTS)]
                request_id = f"{k:032x}"
                outcome = "denied" if event_type == "denied" else "success"
                text = body(
                    occurred,
                    event_type,
                    action,
                    outcome,
                    user_id,
                    username,
                    user_name,
                    role,
                    organisation,
                    "",
                    "",
                    False,
                    subject,
                    case,
                    object_type,
                    object_id,
                    ip,
                    agent,
                    request_id,
                    detail,
                )
                digest = sign(message(prev[chain], chain, seq, text))
                lines.append(
                    f"{k + 1}\t{occurred.isoformat()}\t{event_type}\t{action}\t{outcome}\t{user_id}"
                    f"\t{username}\t{user_name}\t{role}\t{organisation}\t\t\tf\t{subject}"
                    f"\t{case if case else chr(92) + 'N'}\t{object_type}\t{object_id}\t{ip}\t{agent}"
                    f"\t{request_id}\t{detail}\t{chain}\t{seq}\t{prev[chain]}\t{digest}\t\n"
                )
                prev[chain] = digest
                last[chain] = (seq, digest)
            if len(lines) >= 20_000:
                copy.write("".join(lines))
                lines.clear()
        if lines:
            copy.write("".join(lines))
    return last


def load_entries(database: str, total: int, parts: int) -> None:
    from django.db import connections

    from audit.chain import chain_count
    from audit.models import AccessEvent, ChainHead

    if AccessEvent.objects.exists() or ChainHead.objects.filter(seq__gt=0).exists():
        raise SystemExit("the access log of the bench database is not empty; run without --reuse")
    chains = chain_count()
    connections.close_all()  # the children fork: they must not share a connection
    started = time.perf_counter()
    with common.pg_connect(database) as conn, conn.cursor() as cursor:
        with common.indexes_dropped(cursor, [AccessEvent._meta.db_table]):
            context = multiprocessing.get_context("fork")
            with context.Pool(parts) as pool:
                results = pool.map(_load_part, [(database, total, chains, parts, p) for p in range(parts)])
            common.say(f"{total} entries copied in {time.perf_counter() - started:.0f} s; rebuilding indexes")
        heads: dict[int, tuple[int, str]] = {}
        for result in results:
            heads.update(result)
        for chain, (seq, digest) in heads.items():
            cursor.execute(
                "INSERT INTO audit_chainhead (chain, seq, hash) VALUES (%s, %s, %s)"
                " ON CONFLICT (chain) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash",
                [chain, seq, digest],
            )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('audit_accessevent', 'id'),"
            " (SELECT max(id) FROM audit_accessevent))"
        )
        common.say(f"indexes built at {time.perf_counter() - started:.0f} s; vacuum analyze")
        cursor.execute("VACUUM ANALYZE audit_accessevent")
    common.say(f"access log loaded in {time.perf_counter() - started:.0f} s")


def build_case() -> tuple[str, str]:
    """A case with some history, made through the API; returns (case id, the lead's token)."""
    from django.test import Client

    from bench.intake import payloads
    from coordination.models import Team, User
    from signals.models import Signal

    client = Client()

    def call(token: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = getattr(client, method)(
            path, body or {}, content_type="application/json", headers={"authorization": f"Token {token}"}
        )
        if answer.status_code >= 400:
            raise SystemExit(
                f"{method.upper()} {path} answered {answer.status_code}: {answer.content[:300]!r}"
            )
        return answer.json()

    partner = common.token_for("corporatie")
    triage = common.token_for("schakelpunt")
    coordinator = common.token_for("coordinator-noord")
    lead = common.token_for("professional-noord")
    first = payloads(1, "AUDIT")[0][1]
    first["subject"]["postcode"] = "1012 AB"  # team Noord's area
    first["arrears_amount"] = "850.00"  # above the threshold: it opens a case
    for n in range(3):
        call(partner, "post", "/api/v1/signals/", {**first, "partner_reference": f"AUDIT-{n}"})
    case_id = str(Signal.objects.filter(case__isnull=False).values_list("case_id", flat=True).first())
    base = f"/api/v1/cases/{case_id}/"
    call(triage, "post", base + "claim/")
    call(triage, "post", base + "start_outreach/")
    call(
        triage,
        "post",
        base + "contacts/",
        {"channel": "phone", "result": "not_reached", "note": "Voicemail."},
    )
    call(triage, "post", base + "contacts/", {"channel": "home_visit", "result": "reached", "note": "Thuis."})
    call(triage, "post", base + "refer_to_team/", {"team": str(Team.objects.get(name="Noord").pk)})
    call(
        coordinator,
        "post",
        base + "assign_lead/",
        {"lead": User.objects.get(username="professional-noord").pk},
    )
    call(lead, "post", base + "accept/")
    call(
        lead,
        "post",
        base + "plan/goals/",
        {
            "description": "Huurachterstand in een regeling",
            "actions": [
                {"description": "Bellen met de corporatie", "owner": "regisseur", "due_date": "2026-12-15"}
            ],
        },
    )
    call(
        lead,
        "post",
        base + "network/",
        {"organisation": "Schuldhulp", "role": "consulent", "person": "J. Bos"},
    )
    call(lead, "post", base + "contacts/", {"channel": "office_appointment", "result": "appointment"})
    return case_id, lead


@contextmanager
def access_log_off() -> Iterator[list[str]]:
    """Replace ``audit.services.record`` by a no-op in every module that holds it."""
    from audit import services

    original: Callable[..., Any] = services.record
    patched: list[tuple[Any, str]] = []
    for module in list(sys.modules.values()):
        for name, value in list(getattr(module, "__dict__", {}).items()):
            if value is original:
                patched.append((module, name))
    for module, name in patched:
        setattr(module, name, lambda **kwargs: None)
    try:
        yield [f"{module.__name__}.{name}" for module, name in patched]
    finally:
        for module, name in patched:
            setattr(module, name, original)


def show_queries(client: Any, path: str, token: str) -> None:
    """Print the queries of one read with the log and one without: where a read's time goes."""
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    request_started.disconnect(reset_queries)
    try:
        for label in ("with", "without"):
            with CaptureQueriesContext(connection) as queries:
                if label == "with":
                    client.get(path, headers={"authorization": f"Token {token}"})
                else:
                    with access_log_off():
                        client.get(path, headers={"authorization": f"Token {token}"})
                captured = list(queries.captured_queries)
            total = sum(float(q["time"]) for q in captured) * 1000
            print(
                f"\nQueries of one case-detail read {label} the access log ({len(captured)}, {total:.1f} ms):"
            )
            for query in captured:
                print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:140]}")
    finally:
        request_started.connect(reset_queries)


def measure_reads(case_id: str, token: str, pairs: int) -> dict[str, Any]:
    from django.test import Client

    from audit.models import AccessEvent

    client = Client()
    path = f"/api/v1/cases/{case_id}/"

    def read() -> float:
        started = time.perf_counter()
        answer = client.get(path, headers={"authorization": f"Token {token}"})
        elapsed = time.perf_counter() - started
        if answer.status_code != 200:
            raise SystemExit(f"GET {path} answered {answer.status_code}: {answer.content[:300]!r}")
        return elapsed

    for _ in range(20):
        read()
    show_queries(client, path, token)
    with access_log_off() as where:
        read()
    common.say(f"access log off means replacing: {', '.join(where)}")
    before = AccessEvent.objects.count()
    on: list[float] = []
    off: list[float] = []
    for n in range(pairs):
        # Alternate which goes first, so drift in the machine's load hits both alike.
        for logged in (True, False) if n % 2 == 0 else (False, True):
            if logged:
                on.append(read())
            else:
                with access_log_off():
                    off.append(read())
    written = AccessEvent.objects.count() - before
    if written != pairs:
        raise SystemExit(f"{pairs} logged reads wrote {written} entries: switching the log off did not work")
    return {"on": on, "off": off}


TARGET_PAGE_P95_MS = 200.0  # any page of the auditor's log, first or deep, at 10,000,000 entries
TARGET_SUMMARY_P95_MS = 500.0  # "who saw this household"
TARGET_CSV_FIRST_BYTE_S = 1.0  # the export starts streaming within a second


def _timed(client: Any, path: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    answer = client.get(path, headers=headers)
    if answer.status_code != 200:
        raise SystemExit(f"GET {path} answered {answer.status_code}: {answer.content[:300]!r}")
    if getattr(answer, "streaming", False):
        raise SystemExit(f"GET {path} streams; time it with measure_export")
    return time.perf_counter() - started


def _p95_ms(values: list[float]) -> float:
    return common.percentile(values, 0.95) * 1000


def measure_pages(rounds: int) -> list[dict[str, Any]]:
    """The auditor's log pages (web and API) at the log's full size: the first page, pages
    deep in the log (a cursor at a random entry), the oldest page, filtered pages (by
    user, case, household, a rare event type), and "who saw this household" (API and web page), each
    ``rounds`` times, in-process with the full middleware; the auditor's own reads are
    logged as in production."""
    # The pages run as in production (DJANGO_DEBUG off): their CSS and JS come
    # from the collected static files' manifest.
    from django.core.management import call_command
    from django.test import Client

    from audit import selectors
    from audit.models import AccessEvent
    from coordination.models import User

    call_command("collectstatic", interactive=False, verbosity=0)
    auditor = User.objects.get(username="auditor")
    token = common.token_for("auditor")
    web = common.logged_in_client(auditor.username)
    api = Client()
    auth = {"authorization": f"Token {token}"}
    newest = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 1
    rng = random.Random(7)

    def deep_cursor() -> str:
        # A random entry far into the log: what a pager link holds after many pages.
        while True:
            entry = AccessEvent.objects.filter(pk=rng.randint(1, newest)).first()
            if entry is not None:
                return selectors.encode(entry)

    def busy(column: str, **given: Any) -> str:
        # A household, case or user of a random entry of the loaded log: each has
        # hundreds (a user tens of thousands) of entries spread over five years.
        while True:
            entry = AccessEvent.objects.filter(pk=rng.randint(1, newest), **given)
            value = entry.values_list(column, flat=True).first()
            if value:
                return str(value)

    subject = busy("subject_id", subject_id__gt="")
    case = busy("case_id", case_id__isnull=False)
    user = busy("user_id", user_id__isnull=False)
    kinds: dict[str, Callable[[], list[tuple[Any, str, dict[str, str]]]]] = {
        "first": lambda: [(web, "/toegangslog/", {}), (api, "/api/v1/audit/events/", auth)],
        "deep": lambda: [
            (web, f"/toegangslog/?cursor={deep_cursor()}", {}),
            (api, f"/api/v1/audit/events/?cursor={deep_cursor()}", auth),
            (web, f"/toegangslog/?before={deep_cursor()}", {}),
        ],
        "oldest": lambda: [(web, "/toegangslog/?last=1", {}), (api, "/api/v1/audit/events/?last=1", auth)],
        "filtered": lambda: [
            (web, f"/toegangslog/?user={user}", {}),
            (web, f"/toegangslog/?case={case}", {}),
            (api, f"/api/v1/audit/events/?subject={subject}", auth),
            (web, f"/toegangslog/?event_type=denied&cursor={deep_cursor()}", {}),
            (web, f"/toegangslog/?user={user}&cursor={deep_cursor()}", {}),
        ],
        "summary": lambda: [
            (api, f"/api/v1/audit/subjects/{subject}/", auth),
            (web, f"/toegangslog/huishoudens/{subject}/", {}),
        ],
    }
    for make in kinds.values():  # warm up: connections, templates, the plan cache
        for client, path, headers in make():
            _timed(client, path, headers)
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    for _ in range(rounds):
        for kind, make in kinds.items():
            for client, path, headers in make():
                times[kind].append(_timed(client, path, headers))
    figures = []
    for kind, values in times.items():
        target = TARGET_SUMMARY_P95_MS if kind == "summary" else TARGET_PAGE_P95_MS
        p95 = _p95_ms(values)
        figures.append(
            common.figure(
                f"audit_{kind}_page_p95" if kind != "summary" else "audit_household_summary_p95",
                p95,
                "ms",
                target,
                p95 <= target,
                median_ms=round(statistics.median(values) * 1000, 2),
                max_ms=round(max(values) * 1000, 2),
                requests=len(values),
                log_entries=newest,
            )
        )
    return figures


def measure_export(rows: int) -> dict[str, Any]:
    """The whole log's CSV export: time to its first bytes, then ``rows`` lines read on
    to show the memory stays flat while it streams."""
    import resource

    client = common.logged_in_client("auditor")
    started = time.perf_counter()
    answer = client.get("/toegangslog/export.csv")
    if answer.status_code != 200 or not answer.streaming:
        raise SystemExit(f"the export answered {answer.status_code}, streaming={answer.streaming}")
    chunks = iter(getattr(answer, "streaming_content"))  # noqa: B009 -- the test client's type hides it
    next(chunks)  # the header
    lines = next(chunks).count(b"\n")  # the first chunk of entries
    first_byte = time.perf_counter() - started
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for chunk in chunks:
        lines += chunk.count(b"\n")
        if lines >= rows:
            break
    elapsed = time.perf_counter() - started
    grew_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    answer.close()
    return common.figure(
        "audit_csv_first_byte",
        first_byte,
        "s",
        TARGET_CSV_FIRST_BYTE_S,
        first_byte <= TARGET_CSV_FIRST_BYTE_S,
        rows_read=lines,
        rows_per_s=round(lines / elapsed),
        peak_memory_growth_mib=round(grew_mib, 1),
    )


def verify_through_the_job(database: str, pool: str) -> tuple[Any, float]:
    """Start a check as the auditor does and wait for a real worker to finish it: (run, seconds)."""
    from django.test import Client

    from audit.models import VerificationRun
    from schakelpunt.celery import app

    # Until now tasks ran in-process (eagerly); from here on they go to Redis.
    app.conf.update(CELERY_BROKER_URL=common.BROKER, CELERY_TASK_ALWAYS_EAGER=False)
    app._pool = None  # type: ignore[attr-defined]  # forget connections made for the old URL
    app.amqp._producer_pool = None  # type: ignore[attr-defined]  # kombu keeps its pool private
    token = common.token_for("auditor")
    log = Path(tempfile.gettempdir()) / f"{database}-worker.log"
    with common.celery_worker(database, concurrency=2, log=log, pool=pool):
        started = time.perf_counter()
        answer = Client().post("/api/v1/audit/verify/", headers={"authorization": f"Token {token}"})
        if answer.status_code != 202:
            raise SystemExit(f"starting the check answered {answer.status_code}: {answer.content[:300]!r}")
        run_id = answer.json()["id"]
        ended = (VerificationRun.State.FINISHED, VerificationRun.State.FAILED)
        while True:
            run = VerificationRun.objects.get(pk=run_id)
            if run.state in ended:
                break
            if time.perf_counter() - started > 3600:
                raise SystemExit(f"the check {run_id} did not end within an hour (see {log})")
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    if run.state != VerificationRun.State.FINISHED:
        raise SystemExit(f"the check {run_id} failed: {run.error} (see {log})")
    return run, seconds


def main() -> None:
    parser = common.base_parser("access-log cost and integrity check")
    parser.add_argument(
        "--entries", type=int, default=0, help="access-log entries to load (default by scale)"
    )
    parser.add_argument("--reuse", action="store_true", help="keep the loaded log of an earlier run")
    parser.add_argument(
        "--pairs", type=int, default=0, help="reads with and without the log (default by scale)"
    )
    parser.add_argument(
        "--only-pages",
        action="store_true",
        help="only the auditor's pages, summary and export (no read cost, no integrity check)",
    )
    parser.add_argument("--rounds", type=int, default=0, help="rounds of page requests (default by scale)")
    parser.add_argument(
        "--database", default="", help="the bench database (default bench_audit); must start with bench_"
    )
    parser.add_argument(
        "--pool",
        choices=["prefork", "solo"],
        default="prefork",
        help="the Celery worker that runs the check (default: %(default)s, two processes)",
    )
    args = parser.parse_args()

    database = args.database or common.database_name("audit", args.smoke)
    entries = args.entries or (20_000 if args.smoke else FULL_ENTRIES)
    pairs = args.pairs or (100 if args.smoke else 1500)

    reuse = args.reuse and common.database_exists(database)
    if not reuse:
        common.say(f"database {database}: create, migrate")
        common.create_database(database)
    common.setup_django(database)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    _check_columns()
    from audit.models import AccessEvent
    from cases.models import Case

    if not reuse:
        common.say(f"loading {entries} access-log entries")
        load_entries(database, entries, parts=2)
    loaded = AccessEvent.objects.count()
    if loaded < entries:
        raise SystemExit(f"the reused log holds {loaded} entries, fewer than {entries}: run without --reuse")
    import secrets

    common.seed(secrets.token_urlsafe(16))
    rounds = args.rounds or (5 if args.smoke else 40)
    common.say(f"the auditor's pages over {loaded} entries: {rounds} rounds")
    page_figures = measure_pages(rounds)
    export_figure = measure_export(2000 if args.smoke else 50_000)
    if args.only_pages:
        common.finish(page_figures[1], [*page_figures, export_figure])
        return
    case = Case.objects.filter(lead__username="professional-noord").first()
    if case is None:
        case_id, token = build_case()
    else:
        case_id, token = str(case.pk), common.token_for("professional-noord")

    common.say(f"reading case {case_id}: {pairs} reads with the access log, {pairs} without")
    reads = measure_reads(case_id, token, pairs)
    on_ms = statistics.median(reads["on"]) * 1000
    off_ms = statistics.median(reads["off"]) * 1000
    cost = on_ms / off_ms - 1
    cost_figure = common.figure(
        "access_log_cost",
        cost,
        "fraction of a case-detail read",
        TARGET_COST,
        cost <= TARGET_COST,
        read_with_log_ms=round(on_ms, 2),
        read_without_log_ms=round(off_ms, 2),
        p95_with_log_ms=round(common.percentile(reads["on"], 0.95) * 1000, 2),
        p95_without_log_ms=round(common.percentile(reads["off"], 0.95) * 1000, 2),
        reads=2 * pairs,
        log_entries=AccessEvent.objects.count(),
    )

    from audit.integrity import DEFAULT_WORKERS

    total = AccessEvent.objects.count()
    common.say(f"verifying {total} entries: POST /api/v1/audit/verify/, a {args.pool} Celery worker runs it")
    run, seconds = verify_through_the_job(database, args.pool)
    # The target is for ten million entries; a smaller log is held to its share.
    budget = TARGET_VERIFY_S * total / FULL_ENTRIES
    verify_figure = common.figure(
        "integrity_check",
        seconds,
        "s",
        round(budget, 3),
        run.state == "finished" and bool(run.ok) and run.checked >= total and seconds <= budget,
        entries=run.checked,
        intact=run.ok,
        state=run.state,
        via="POST /api/v1/audit/verify/ -> Celery worker",
        pool=args.pool,
        workers=DEFAULT_WORKERS,
        waited_s=round((run.started_at - run.created_at).total_seconds(), 3) if run.started_at else None,
        entries_per_s=round(run.checked / seconds),
    )
    common.finish(cost_figure, [cost_figure, verify_figure, *page_figures, export_figure])
    if args.drop:
        common.drop_database(database)


if __name__ == "__main__":
    main()
