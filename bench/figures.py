"""The figures page ``/cijfers/`` and ``GET /api/v1/figures/`` with 1,000,000 cases and 3,000,000 signals.

The cases and signals are generated as ``bench.queue`` makes them (inside
PostgreSQL, five years of intake, 80% closed), then given what the figures
count: a first contact attempt for 85% of the cases (0 to 10 days after
intake), a conversation for 60%, help accepted for 25%, two kinds of creditor
for one case in seven, a second case of the same household for one closed
case in ten (repeat signals), a missed first-contact deadline for one in
twenty, the end results of today's ``Outcome`` list, signals spread over
4,000 postcodes and the municipality divided into 400 postcode areas. All of
that is written with the triggers off (``session_replication_role =
replica``); the tally is then counted from scratch (``figures_rebuild()``,
timed).

Then, with the triggers on, a day's worth of changes in one transaction each
(1% of the open cases closed, 1% given a first contact, 0.5% moved to the
other district, 0.2% given a missed deadline): the time of each with and
without the triggers, the tally rows they leave (uncompacted, as between two
runs of the beat's ``compact_figures``), and whether the tally still equals a
count from scratch afterwards.

The headline is the slowest p95 of these requests over HTTP from gunicorn (two
sync workers), one at a time, each by a logged-in coordinator (web) or an
auditor's token (API): the page for the last twelve months, for one
district, for five years; the API for the same; a CSV table. Measured once
with the changes' rows not yet compacted, then compacted.

    .venv/bin/python -m bench.figures              # full scale; generating takes a few minutes
    .venv/bin/python -m bench.figures --reuse      # keep the generated database of an earlier run
    .venv/bin/python -m bench.figures --smoke      # 10,000 cases, under a minute
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import common, queue

TARGET_P95_MS = 1000.0
POSTCODES = 4000
AREAS = 400

# A number 0..999 per case, from its id: which facts it gets.
_H = "(('x' || substr(md5(id::text), 1, 7))::bit(28)::int %% 1000)"
_I = "substr(reference, 4)::int"


def enrich(database: str, outcomes: list[str]) -> None:
    """Give the generated cases and signals what the figures count (triggers off)."""
    from coordination.models import District, PostcodeArea

    districts = list(District.objects.order_by("name").values_list("pk", flat=True))
    PostcodeArea.objects.all().delete()
    width = POSTCODES // AREAS
    PostcodeArea.objects.bulk_create(
        PostcodeArea(
            district_id=districts[n % len(districts)], start=1000 + n * width, end=999 + (n + 1) * width
        )
        for n in range(AREAS)
    )
    started = time.perf_counter()
    with common.pg_connect(database) as conn, conn.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            f"""
            UPDATE cases_case SET
                first_contact_at = CASE WHEN {_H} < 850
                    THEN opened_at + make_interval(hours => ({_H} * 7) %% 240) END,
                first_conversation_at = CASE WHEN {_H} < 600 THEN opened_at + interval '12 days' END,
                help_accepted_on = CASE WHEN {_H} < 250 THEN (opened_at + interval '20 days')::date END,
                creditor_kinds = CASE WHEN {_H} %% 7 = 0 THEN 'energy,housing' ELSE 'housing' END,
                multiple = ({_H} %% 7 = 0),
                outcome = CASE WHEN state = 'closed'
                    THEN (%(outcomes)s::text[])[1 + {_H} %% %(k)s] ELSE '' END
            """,
            {"outcomes": outcomes, "k": len(outcomes)},
        )
        # One closed case in ten belongs to the household of the case before it: a repeat.
        cursor.execute(
            f"""
            UPDATE cases_case SET household_id = md5('bench-h' || ({_I} - 1))::uuid, repeat = true
            WHERE state = 'closed' AND {_I} %% 10 = 0
            """,
            {},
        )
        cursor.execute(
            f"""
            INSERT INTO cases_deadlinebreach (case_id, deadline, due_at, noticed_at)
            SELECT id, 'first_contact', opened_at + interval '14 days', opened_at + interval '14 days'
            FROM cases_case WHERE {_H} %% 20 = 0
            """,
            {},
        )
        common.say(f"cases given contacts, outcomes, repeats: {time.perf_counter() - started:.0f} s")
        cursor.execute(
            f"UPDATE signals_signal SET postcode_area = (1000 + ({_I}::bigint * 7919) %% {POSTCODES})::text",
            {},
        )
        cursor.execute("RESET session_replication_role")
        common.say(f"signals given {POSTCODES} postcodes: {time.perf_counter() - started:.0f} s")
        for table in ("cases_case", "signals_signal", "cases_deadlinebreach"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def tally_sums() -> Counter[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT month, district_id, kind, key, sum(n) FROM signals_figuretally "
            "GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0"
        )
        return Counter({tuple(row[:4]): int(row[4]) for row in cursor.fetchall()})


# The day's changes, each once without the triggers (rolled back) and once with them (kept).
CHANGES = {
    "close 1% of open cases": f"""
        UPDATE cases_case SET state = 'closed', closed_at = now(), outcome = %(outcome)s, deadline = '',
            due_at = NULL
        WHERE state <> 'closed' AND {_H} < 50 AND id IN (
            SELECT id FROM cases_case WHERE state <> 'closed' ORDER BY id LIMIT %(n1)s)
    """,
    "first contact for 1% of cases": f"""
        UPDATE cases_case SET first_contact_at = now()
        WHERE id IN (SELECT id FROM cases_case WHERE first_contact_at IS NULL AND {_H} >= 850
                     ORDER BY id LIMIT %(n1)s)
    """,
    "move 0.5% of cases to the other district": """
        UPDATE cases_case SET district_id = CASE WHEN district_id = %(d1)s THEN %(d2)s ELSE %(d1)s END
        WHERE id IN (SELECT id FROM cases_case ORDER BY reference DESC LIMIT %(n05)s)
    """,
    "missed deadline for 0.2% of cases": f"""
        INSERT INTO cases_deadlinebreach (case_id, deadline, due_at, noticed_at)
        SELECT id, 'first_contact', now(), now() FROM cases_case
        WHERE first_contact_at IS NOT NULL AND {_H} %% 20 <> 0 ORDER BY id LIMIT %(n02)s
    """,
}


def apply_changes(database: str, n_cases: int, outcome: str) -> list[dict[str, Any]]:
    from coordination.models import District

    d1, d2 = District.objects.order_by("name").values_list("pk", flat=True)[:2]
    params = {
        "outcome": outcome,
        "n1": n_cases // 100,
        "n05": n_cases // 200,
        "n02": n_cases // 500,
        "d1": d1,
        "d2": d2,
    }
    out = []
    with common.pg_connect(database) as conn, conn.cursor() as cursor:
        for name, sql in CHANGES.items():
            conn.autocommit = False
            cursor.execute("SET LOCAL session_replication_role = replica")
            started = time.perf_counter()
            cursor.execute(sql, params)
            without = time.perf_counter() - started
            conn.rollback()
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.rowcount
            with_triggers = time.perf_counter() - started
            conn.commit()
            conn.autocommit = True
            common.say(f"{name}: {rows} rows, {without:.2f} s without triggers, {with_triggers:.2f} s with")
            out.append(
                common.figure(
                    "trigger_cost_" + name.split(" ")[0],
                    (with_triggers - without) / max(rows, 1) * 1000,
                    "ms/row",
                    None,
                    None,
                    change=name,
                    rows=rows,
                    without_triggers_s=round(without, 3),
                    with_triggers_s=round(with_triggers, 3),
                )
            )
    return out


def timed_requests(database: str, requests: int, label: str) -> list[dict[str, Any]]:
    from django.db import connections

    from coordination.models import District
    from signals import figures

    district = District.objects.order_by("name").values_list("pk", flat=True)[0]
    this_month = figures.Period.default().last
    five_years = f"start={figures.add_months(this_month, -59):%Y-%m}&end={this_month:%Y-%m}"
    web = queue.web_actor("coordinator-noord")
    api = queue.api_actor("auditor")
    timed = {
        "page": ("/cijfers/", web),
        "page_district": (f"/cijfers/?district={district}", web),
        "page_five_years": (f"/cijfers/?{five_years}", web),
        "api": ("/api/v1/figures/", api),
        "api_district_five_years": (f"/api/v1/figures/?district={district}&{five_years}", api),
        "csv_neighbourhoods": ("/cijfers/?format=csv&table=neighbourhoods", web),
    }
    connections.close_all()
    out = []
    with common.gunicorn(database, workers=2) as server:
        for metric, (path, actor) in timed.items():
            queue.timed_get(server.base_url, path, actor, 4)  # warm both workers
            latencies = queue.timed_get(server.base_url, path, actor, requests)
            p95 = common.percentile(latencies, 0.95) * 1000
            out.append(
                common.figure(
                    f"{metric}_{label}_p95",
                    p95,
                    "ms",
                    TARGET_P95_MS,
                    p95 <= TARGET_P95_MS,
                    path=path,
                    actor=actor.username,
                    requests=len(latencies),
                    p50_ms=round(common.percentile(latencies, 0.5) * 1000, 1),
                )
            )
    return out


def main() -> None:
    parser = common.base_parser("figures page and API with a million cases")
    parser.add_argument("--cases", type=int, default=0, help="cases to generate (default by scale)")
    parser.add_argument("--reuse", action="store_true", help="keep an existing database of the right size")
    parser.add_argument(
        "--requests", type=int, default=0, help="timed requests per variant (default by scale)"
    )
    args = parser.parse_args()

    database = common.database_name("figures", args.smoke)
    n_cases = args.cases or (10_000 if args.smoke else 1_000_000)
    n_signals = 3 * n_cases
    requests = args.requests or (20 if args.smoke else 100)

    reuse = args.reuse and common.database_exists(database) and queue.counts(database) == (n_cases, n_signals)
    if not reuse:
        common.say(f"database {database}: create, migrate, seed")
        common.create_database(database)
    common.setup_django(database)
    from django.core.management import call_command

    from cases.models import Outcome
    from signals import tally

    results: list[dict[str, Any]] = []
    closing = [code for code in Outcome.values if code != Outcome.MERGED]
    if reuse:
        common.say(f"database {database}: reused ({n_cases} cases, {n_signals} signals)")
        call_command("migrate", verbosity=0, interactive=False)
    else:
        import secrets

        common.migrate_and_seed(secrets.token_urlsafe(16))
        common.say(f"generating {n_cases} cases and {n_signals} signals")
        queue.generate(database, n_cases, n_signals)
        enrich(database, closing)
        started = time.perf_counter()
        tally.rebuild()
        seconds = time.perf_counter() - started
        results.append(common.figure("rebuild", seconds, "s", None, None, cases=n_cases, signals=n_signals))
    call_command("collectstatic", interactive=False, verbosity=0)
    tally.compact()

    results += apply_changes(database, n_cases, closing[0])
    from signals.models import FigureTally

    rows = FigureTally.objects.count()
    common.say(f"tally rows after the changes, not compacted: {rows}")
    results += timed_requests(database, requests, "uncompacted")
    started = time.perf_counter()
    tally.compact()
    seconds = time.perf_counter() - started
    left = FigureTally.objects.count()
    results.append(common.figure("compact", seconds, "s", None, None, rows_before=rows, rows_after=left))
    results += timed_requests(database, requests, "compacted")

    from django.db import connection

    from signals import figures

    period = figures.Period(
        figures.add_months(figures.Period.default().last, -59), figures.Period.default().last
    )
    sql, params = figures.tally_query(period, None)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(str(row[0]) for row in cursor.fetchall())
    print("\nThe figures' one read of the tally, five years, all districts:\n" + plan)

    kept = tally_sums()
    started = time.perf_counter()
    tally.rebuild()
    recount = time.perf_counter() - started
    same = tally_sums() == kept
    results.append(
        common.figure(
            "tally_equals_recount", 1.0 if same else 0.0, "bool", 1.0, same, rebuild_s=round(recount, 2)
        )
    )

    timed = [r for r in results if r["unit"] == "ms"]
    worst = max(timed, key=lambda r: r["value"])
    headline = common.figure(
        "figures_p95", worst["value"], "ms", TARGET_P95_MS, worst["ok"] and same, slowest=worst["metric"]
    )
    common.finish(headline, results)
    if args.drop:
        common.drop_database(database)


if __name__ == "__main__":
    main()
