"""Queue page latency: ``GET /api/v1/cases/``, the web queues and ``GET /api/v1/search/``
with 1,000,000 cases and 3,000,000 signals.

The cases and signals are generated inside PostgreSQL (``INSERT ... SELECT``
over ``generate_series``, plain indexes dropped during the load and rebuilt
after), not through the API. 40% of the cases belong to team Noord, 40% to
Zuid, 20% never left the intake; about 80% are closed, as in a service that
has run for years. Personal columns of the generated signals are left NULL:
the queue page reads none of them.

The headline is the p95 of the coordinator of team Noord's queue page
(page 1, 50 rows) over HTTP from gunicorn, one request at a time. The web
queues people open are timed the same way, each by its own role with a
logged-in session: ``/casussen/intake/`` (the triage officer),
``/casussen/team/`` (the coordinator of Noord) and ``/casussen/mijn/`` (the
professional of Noord), page 1 and page 20 (reached by the pages' own next
links). The query count of one page comes from an in-process request (Django
test client) and must be the same for every page and filter of one actor and
page kind; the slowest query of the pages is shown with its plan.

Work trays: every case is in one of ``seed_demo``'s trays (half in the rest,
the others in threat, young people, families and multiple creditors). The
intake page counts every tray for its tabs; ``/api/v1/trays/`` and a tray's
queue (``?tray=``, API and web) are timed as well.

Search (``search_*_p95``): the coordinator of Noord looks for one household of
their team by BSN, by surname and date of birth, by postcode and house number
and by a signal's reference. That household is given real blind keys; every
other household keeps a generated match key and address search key, so the
key tables are full size.

    .venv/bin/python -m bench.queue              # full scale; generating takes a few minutes
    .venv/bin/python -m bench.queue --reuse      # keep the generated database of an earlier run
    .venv/bin/python -m bench.queue --smoke      # 10,000 cases, under a minute
"""

from __future__ import annotations

import datetime
import html
import http.client
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

if __package__ in (None, ""):
    # Run as a file: the repository, not bench/, goes first on the path
    # (bench/queue.py and bench/audit.py would shadow ``queue`` and ``audit``).
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import common

TARGET_P95_MS = 50.0
DEEP_HOPS = 19
"""A deep page is the 20th: 950 rows in for the API, 475 for a web page."""

# Deterministic "random" numbers per row: Knuth's multiplicative hash.
_HASH = "((i::bigint * 2654435761) %% 1000)"
_OPENED = "(now() - make_interval(secs => ((i::bigint * 7919) %% 157680000)::double precision))"


def generate(database: str, cases: int, signals: int) -> None:
    """Fill the (migrated, seeded) database with ``cases`` cases and ``signals`` signals."""
    from cases.models import Case, Household, HouseholdKey, SearchKey, WorkTray
    from coordination.models import District, Organisation, Team, User
    from signals.models import Signal, SignalType

    teams = {t.name: t for t in Team.objects.all()}
    districts = {d.team.name: d.pk for d in District.objects.select_related("team")}
    users = {u.username: u.pk for u in User.objects.all()}
    partners = ["corporatie", "energie", "huisarts", "school"]
    partner_orgs = [User.objects.get(username=name).organisation_id for name in partners]
    types = [SignalType.objects.get(code=code).pk for code in ("rent_arrears", "energy_arrears")]
    types += [SignalType.objects.get(code=code).pk for code in ("gp_observation", "school_observation")]
    assert Organisation.objects.filter(pk__in=partner_orgs).count() == 4
    # seed_demo's framework: every case is in one of its trays, with the fact that put it there.
    trays = dict(WorkTray.objects.values_list("name", "pk"))
    params: dict[str, Any] = {
        "t_threat": trays["Dreiging"],
        "t_young": trays["Jongeren"],
        "t_children": trays["Gezinnen met kinderen"],
        "t_multiple": trays["Meerdere schuldeisers"],
        "t_rest": trays["Overig"],
        "n": cases,
        "s": signals,
        "noord": teams["Noord"].pk,
        "zuid": teams["Zuid"].pk,
        "d_noord": districts["Noord"],
        "d_zuid": districts["Zuid"],
        "p_noord": users["professional-noord"],
        "p_zuid": users["professional-zuid"],
        "triage": users["schakelpunt"],
        "orgs": partner_orgs,
        "filers": [users[name] for name in partners],
        "types": types,
    }
    tables = [
        Household._meta.db_table,
        HouseholdKey._meta.db_table,
        SearchKey._meta.db_table,
        Case._meta.db_table,
        Signal._meta.db_table,
    ]
    with common.pg_connect(database) as conn, conn.cursor() as cursor:
        # Foreign keys are right by construction; skipping their triggers
        # (replica role) makes the load several times faster.
        cursor.execute("SET session_replication_role = replica")
        with common.indexes_dropped(cursor, tables):
            started = time.perf_counter()
            cursor.execute(
                f"""
                INSERT INTO cases_household (id, created_at)
                SELECT md5('bench-h' || i)::uuid, {_OPENED} FROM generate_series(1, %(n)s) AS i
                """,
                params,
            )
            cursor.execute(
                """
                INSERT INTO cases_householdkey (digest, household_id)
                SELECT md5('bench-k' || i), md5('bench-h' || i)::uuid FROM generate_series(1, %(n)s) AS i
                """,
                params,
            )
            # One address search key per household, as intake writes them (a
            # household at a number without an addition holds one).
            cursor.execute(
                """
                INSERT INTO cases_searchkey (id, digest, household_id)
                SELECT md5('bench-a' || i)::uuid, md5('bench-a' || i), md5('bench-h' || i)::uuid
                FROM generate_series(1, %(n)s) AS i
                """,
                params,
            )
            common.say(f"households: {time.perf_counter() - started:.0f} s")
            cursor.execute(
                f"""
                INSERT INTO cases_case (
                    id, reference, household_id, state, priority, district_id, team_id, claimed_by_id,
                    lead_id, opened_at, last_signal_at, signal_count, state_entered_at, first_contact_at,
                    first_conversation_at, deadline, due_at, overdue, erased_at, closed_at, outcome,
                    outcome_reason, tray_id, threats, age_band, children, multiple, signal_types)
                SELECT
                    md5('bench-c' || i)::uuid, 'C-B' || lpad(i::text, 10, '0'), md5('bench-h' || i)::uuid,
                    state,
                    CASE WHEN (i::bigint * 40503) %% 100 < 70 THEN 10
                         WHEN (i::bigint * 40503) %% 100 < 90 THEN 20 ELSE 30 END,
                    CASE WHEN team = 'noord' THEN %(d_noord)s::bigint
                         WHEN team = 'zuid' THEN %(d_zuid)s::bigint
                         WHEN i %% 2 = 0 THEN %(d_noord)s::bigint ELSE %(d_zuid)s::bigint END,
                    CASE team WHEN 'noord' THEN %(noord)s::uuid WHEN 'zuid' THEN %(zuid)s::uuid END,
                    CASE WHEN team = '' AND state IN ('triage', 'outreach') THEN %(triage)s::bigint END,
                    CASE WHEN state IN ('lead_assigned', 'in_progress', 'monitoring', 'closed') THEN
                         CASE team WHEN 'noord' THEN %(p_noord)s::bigint
                                   WHEN 'zuid' THEN %(p_zuid)s::bigint END
                    END,
                    opened, opened + interval '3 days',
                    %(s)s / %(n)s + CASE WHEN i <= %(s)s %% %(n)s THEN 1 ELSE 0 END,
                    opened, NULL, NULL,
                    CASE WHEN state = 'closed' THEN '' ELSE 'first_contact' END,
                    CASE WHEN state = 'closed' THEN NULL ELSE opened + interval '14 days' END,
                    state <> 'closed' AND (i::bigint * 31) %% 100 < 5,
                    NULL,
                    CASE WHEN state = 'closed' THEN opened + interval '60 days' END,
                    CASE WHEN state = 'closed' THEN
                         (ARRAY['referral_financial', 'solved_by_resident', 'declined_help', 'unreachable',
                                'not_picked_up_unfounded'])[1 + (i %% 5)]
                         ELSE '' END,
                    NULL,
                    CASE WHEN t < 10 THEN %(t_threat)s::bigint WHEN t < 25 THEN %(t_young)s::bigint
                         WHEN t < 40 THEN %(t_children)s::bigint WHEN t < 50 THEN %(t_multiple)s::bigint
                         ELSE %(t_rest)s::bigint END,
                    CASE WHEN t < 10 THEN ',eviction,' ELSE '' END,
                    CASE WHEN t >= 10 AND t < 25 THEN 'under_27' ELSE '27_66' END,
                    t >= 25 AND t < 40,
                    t >= 40 AND t < 50,
                    ',rent_arrears,'
                FROM (
                    SELECT i, team, opened, (i::bigint * 6113) %% 100 AS t,
                        CASE WHEN team <> '' THEN
                            CASE WHEN h < 800 THEN 'closed' WHEN h < 850 THEN 'awaiting_lead'
                                 WHEN h < 900 THEN 'lead_assigned' WHEN h < 960 THEN 'in_progress'
                                 ELSE 'monitoring' END
                        ELSE
                            CASE WHEN h < 700 THEN 'closed' WHEN h < 800 THEN 'new'
                                 WHEN h < 900 THEN 'triage' ELSE 'outreach' END
                        END AS state
                    FROM (
                        SELECT i, {_HASH} AS h, {_OPENED} AS opened,
                            CASE WHEN i %% 10 < 4 THEN 'noord'
                                 WHEN i %% 10 < 8 THEN 'zuid' ELSE '' END AS team
                        FROM generate_series(1, %(n)s) AS i
                    ) AS numbered
                ) AS generated
                """,
                params,
            )
            common.say(f"cases: {time.perf_counter() - started:.0f} s")
            cursor.execute(
                f"""
                INSERT INTO signals_signal (
                    id, reference, received_at, status, closed_reason, partner_reference_index,
                    idempotency_key_index, content_index, arrears_amount, arrears_since, threat,
                    children_in_household,
                    consent_given, postcode_area, erased_at, case_id, filed_by_id, organisation_id,
                    signal_type_id, crisis, warm_handover, signal_date)
                SELECT
                    md5('bench-s' || j)::uuid, 'S-B' || lpad(j::text, 10, '0'),
                    {_OPENED} + make_interval(days => ((j - 1) / %(n)s)::int),
                    'received', '', md5('bench-r' || j), NULL, '',
                    CASE WHEN j %% 4 < 2 THEN 100 + (j %% 3900) END,
                    CASE WHEN j %% 4 < 2 THEN date '2026-06-01' END,
                    CASE WHEN j %% 10 = 0 THEN 'eviction' ELSE 'none' END,
                    'unknown', j %% 4 >= 2, (1000 + j %% 100)::text, NULL,
                    md5('bench-c' || i)::uuid,
                    (%(filers)s::bigint[])[1 + j %% 4], (%(orgs)s::bigint[])[1 + j %% 4],
                    (%(types)s::bigint[])[1 + j %% 4],
                    j %% 50 = 0, j %% 7 = 0,
                    ({_OPENED} + make_interval(days => ((j - 1) / %(n)s)::int))::date
                FROM (SELECT j, 1 + (j - 1) %% %(n)s AS i FROM generate_series(1, %(s)s) AS j) AS numbered
                """,
                params,
            )
            common.say(f"signals: {time.perf_counter() - started:.0f} s; rebuilding indexes")
        cursor.execute("RESET session_replication_role")
        common.say(f"indexes: {time.perf_counter() - started:.0f} s; vacuum analyze")
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
        common.say(f"generated in {time.perf_counter() - started:.0f} s")


def counts(database: str) -> tuple[int, int]:
    with common.pg_connect(database) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM cases_case), (SELECT count(*) FROM signals_signal)"
        ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])


@dataclass(frozen=True)
class Actor:
    """Who asks: an API token or a logged-in web session, sent as one header."""

    username: str
    header: tuple[str, str]

    def headers(self) -> dict[str, str]:
        return {self.header[0]: self.header[1]}


def api_actor(username: str) -> Actor:
    return Actor(username, ("Authorization", f"Token {common.token_for(username)}"))


def web_actor(username: str) -> Actor:
    """A session made as a login makes it (Django's session store), without the login page."""
    from django.conf import settings

    client = common.logged_in_client(username)
    return Actor(
        username,
        ("Cookie", f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"),
    )


def timed_get(base_url: str, path: str, actor: Actor, times: int) -> list[float]:
    """Sequential GETs, each on a new connection (gunicorn's sync workers close them)."""
    netloc = urlsplit(base_url).netloc
    latencies: list[float] = []
    for _ in range(times):
        started = time.perf_counter()
        connection = http.client.HTTPConnection(netloc, timeout=60)
        connection.request("GET", path, headers=actor.headers())
        answer = connection.getresponse()
        body = answer.read()
        connection.close()
        if answer.status != 200:
            raise SystemExit(f"GET {path} answered {answer.status}: {body[:300]!r}")
        latencies.append(time.perf_counter() - started)
    return latencies


def query_profile(path: str, actor: Actor) -> tuple[int, list[dict[str, Any]]]:
    """In-process: the number of queries of one page request and each query's SQL and time."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path, headers=actor.headers())
        captured = list(queries.captured_queries)
    if answer.status_code != 200:
        raise SystemExit(f"GET {path} answered {answer.status_code}: {answer.content[:300]!r}")
    return len(captured), captured


_NEXT_LINK = re.compile(r'<a href="([^"]*)" rel="next">')


def followed(path: str, actor: Actor, hops: int) -> str:
    """The path of the page ``hops`` pages after ``path``, by its ``next`` links (the API's
    ``next``, a web page's ``rel="next"`` link), or of the last page when there are fewer
    (small data sets at smoke scale)."""
    from django.test import Client

    client = Client()
    for _ in range(hops):
        answer = client.get(path, headers=actor.headers())
        if answer["Content-Type"].startswith("application/json"):
            next_url = answer.json().get("next")
        else:
            found = _NEXT_LINK.search(answer.content.decode())
            next_url = urljoin(path, html.unescape(found.group(1))) if found else None
        if not next_url:
            return path
        parts = urlsplit(next_url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(str(row[0]) for row in cursor.fetchall())


SEARCHED = 4_321
"""The household the searches look for: one of team Noord's (``i % 10 < 4``)."""


def searchable(database: str, n_cases: int) -> dict[str, str]:
    """Give one generated household real blind keys (BSN, name and birth date, address),
    as intake would have made them, and return the search queries that find it.

    The other households keep their generated keys: the tables are as large as
    at full scale, the searched digests are found among them by their indexes.
    """
    from cases.matching import SubjectFacts, keys_for

    i = SEARCHED if n_cases >= SEARCHED else 1
    facts = SubjectFacts(
        bsn="111222333",
        surname="Jansen-de Vries",
        date_of_birth=datetime.date(1984, 3, 12),
        postcode="1012 AB",
        house_number="12",
    )
    keys = keys_for(facts)
    with common.pg_connect(database) as conn, conn.cursor() as cursor:
        household = cursor.execute("SELECT md5('bench-h' || %s::text)::uuid", [i]).fetchone()
        assert household is not None
        cursor.execute("DELETE FROM cases_householdkey WHERE digest = ANY(%s)", [sorted(keys.joining)])
        cursor.execute("DELETE FROM cases_searchkey WHERE digest = ANY(%s)", [sorted(keys.searching)])
        for digest in sorted(keys.joining):
            cursor.execute(
                "INSERT INTO cases_householdkey (digest, household_id) VALUES (%s, %s)",
                [digest, household[0]],
            )
        for digest in sorted(keys.searching):
            cursor.execute(
                "INSERT INTO cases_searchkey (id, digest, household_id) VALUES (gen_random_uuid(), %s, %s)",
                [digest, household[0]],
            )
        conn.commit()
    signal_reference = "S-B" + str(i).zfill(10)
    return {
        "search_bsn": "/api/v1/search/?bsn=111222333",
        "search_name": "/api/v1/search/?surname=Jansen-de%20Vries&date_of_birth=1984-03-12",
        "search_address": "/api/v1/search/?postcode=1012AB&house_number=12",
        "search_signal_reference": f"/api/v1/search/?reference={signal_reference}",
    }


def found_by(path: str, actor: Actor) -> int:
    """How many cases a search finds (in-process)."""
    from django.test import Client

    answer = Client().get(path, headers=actor.headers())
    if answer.status_code != 200:
        raise SystemExit(f"GET {path} answered {answer.status_code}: {answer.content[:300]!r}")
    return len(answer.json()["results"])


def main() -> None:
    parser = common.base_parser("queue page latency with a million cases")
    parser.add_argument("--cases", type=int, default=0, help="cases to generate (default by scale)")
    parser.add_argument("--reuse", action="store_true", help="keep an existing database of the right size")
    parser.add_argument("--requests", type=int, default=0, help="timed page requests (default by scale)")
    parser.add_argument("--database", default="", help="the bench database's name (default bench_queue)")
    args = parser.parse_args()

    database = args.database or common.database_name("queue", args.smoke)
    n_cases = args.cases or (10_000 if args.smoke else 1_000_000)
    n_signals = 3 * n_cases
    requests = args.requests or (60 if args.smoke else 200)

    reuse = args.reuse and common.database_exists(database) and counts(database) == (n_cases, n_signals)
    if not reuse:
        common.say(f"database {database}: create, migrate, seed")
        common.create_database(database)
    common.setup_django(database)
    if reuse:
        from django.core.management import call_command

        common.say(f"database {database}: reused ({n_cases} cases, {n_signals} signals)")
        call_command("migrate", verbosity=0, interactive=False)
    else:
        import secrets

        common.migrate_and_seed(secrets.token_urlsafe(16))
        common.say(f"generating {n_cases} cases and {n_signals} signals")
        generate(database, n_cases, n_signals)
        assert counts(database) == (n_cases, n_signals)

    from django.core.management import call_command

    from cases.models import WorkTray
    from coordination.models import Team

    # The web pages run as in production (DJANGO_DEBUG off): their CSS and JS
    # come from the collected, hashed static files, as after a deployment.
    call_command("collectstatic", interactive=False, verbosity=0)

    noord = Team.objects.get(name="Noord").pk
    young = WorkTray.objects.get(name="Jongeren").pk
    coordinator = api_actor("coordinator-noord")
    triage = api_actor("schakelpunt")
    page = "/api/v1/cases/"
    # The web queues, each as its own role sees it, by a logged-in session.
    web = {
        "web-intake": ("/casussen/intake/", web_actor("schakelpunt")),
        "web-team": ("/casussen/team/", web_actor("coordinator-noord")),
        "web-mine": ("/casussen/mijn/", web_actor("professional-noord")),
    }
    variants = {
        "coordinator page 1": (page, coordinator),
        "coordinator page 2": (followed(page, coordinator, 1), coordinator),
        "coordinator page 20": (followed(page, coordinator, 19), coordinator),
        "coordinator team filter": (f"{page}?team={noord}", coordinator),
        "coordinator awaiting_lead": (page + "?state=awaiting_lead", coordinator),
        "coordinator urgent": (page + "?priority=30", coordinator),
        "triage page 1": (page, triage),
        "triage tray": (f"{page}?tray={young}", triage),
        "coordinator tray": (f"{page}?tray={young}", coordinator),
        "trays-triage list": ("/api/v1/trays/", triage),
        "trays-coordinator list": ("/api/v1/trays/", coordinator),
    }
    searches = searchable(database, n_cases)
    for name, path in searches.items():
        variants[f"search {name}"] = (path, coordinator)
        found = found_by(path, coordinator)
        if found != 1:
            raise SystemExit(f"{name} found {found} cases, not the one it looks for")
    deep: dict[str, str] = {}
    for name, (path, actor) in web.items():
        deep[name] = followed(path, actor, DEEP_HOPS)
        variants[f"{name} page 1"] = (path, actor)
        variants[f"{name} page {DEEP_HOPS + 1}"] = (deep[name], actor)
        variants[f"{name} urgent"] = (path + "?priority=30", actor)
        if name == "web-intake":
            variants[f"{name} tray"] = (f"{path}?tray={young}", actor)
    query_counts: dict[str, int] = {}
    slowest: dict[str, Any] = {}
    for name, (path, actor) in variants.items():
        query_profile(path, actor)  # warm
        count, captured = query_profile(path, actor)
        query_counts[name] = count
        print(f"\n{name}: {path} — {count} queries")
        for query in captured:
            print(f"  {float(query['time']) * 1000:8.1f} ms  {query['sql'][:160]}")
            # Only reads can be explained (a web page also commits its session and log entry).
            readable = query["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
            if readable and (not slowest or float(query["time"]) > float(slowest["time"])):
                slowest = {**query, "variant": name}
    if slowest:
        print(f"\nSlowest query ({slowest['variant']}), its plan:\n{slowest['sql']}\n")
        print(explain(slowest["sql"]))
    # Constant per actor and page kind: a page's query count must not depend on
    # the data or the page; a triage officer reads one part per intake state, so
    # their count differs from a coordinator's (one part per team), and a web
    # page's (session, filter form, capped count) from the API's.
    per_actor: dict[str, set[int]] = {}
    for name, count in query_counts.items():
        per_actor.setdefault(name.split(" ")[0], set()).add(count)
    constant = all(len(counts) == 1 for counts in per_actor.values())
    from django.db import connections

    connections.close_all()

    figures: list[dict[str, Any]] = []
    timed = {
        "queue_page_p95": (page, coordinator),
        "queue_page_awaiting_lead_p95": (page + "?state=awaiting_lead", coordinator),
        "queue_page_triage_p95": (page, triage),
        "queue_page_triage_tray_p95": (f"{page}?tray={young}", triage),
        "trays_triage_p95": ("/api/v1/trays/", triage),
        "trays_coordinator_p95": ("/api/v1/trays/", coordinator),
        "web_intake_tray_p95": (f"/casussen/intake/?tray={young}", web["web-intake"][1]),
    }
    for name, (path, actor) in web.items():
        metric = name.replace("-", "_")
        timed[f"{metric}_p95"] = (path, actor)
        timed[f"{metric}_deep_p95"] = (deep[name], actor)
    # Search, by the coordinator of Noord, whose team's case it finds.
    for name, path in searches.items():
        timed[f"{name}_p95"] = (path, coordinator)
    with common.gunicorn(database, workers=2) as server:
        for metric, (path, actor) in timed.items():
            timed_get(server.base_url, path, actor, 10)  # warm every worker
            latencies = timed_get(server.base_url, path, actor, requests)
            p95 = common.percentile(latencies, 0.95) * 1000
            figures.append(
                common.figure(
                    metric,
                    p95,
                    "ms",
                    TARGET_P95_MS,
                    p95 <= TARGET_P95_MS,
                    path=path,
                    actor=actor.username,
                    requests=len(latencies),
                    p50_ms=round(common.percentile(latencies, 0.5) * 1000, 1),
                    cases=n_cases,
                    signals=n_signals,
                )
            )
    figures.append(
        common.figure(
            "queue_page_queries",
            query_counts["coordinator page 1"],
            "queries",
            None,
            constant,
            constant=constant,
            per_variant=query_counts,
        )
    )
    headline = figures[0]
    if not constant:
        headline = {**headline, "ok": False}
    common.finish(headline, figures)
    if args.drop:
        common.drop_database(database)


if __name__ == "__main__":
    main()
