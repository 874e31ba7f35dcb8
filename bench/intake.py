"""Intake throughput: signals/s through ``POST /api/v1/signals/`` under gunicorn on PostgreSQL.

Encryption, household matching and the access log are on (they always are).
Several concurrent clients (one aiohttp session, ``--clients`` requests in
flight) file unique signals from the four demo partners; about one in five
is about a household filed earlier, so it joins an open case. The same
server's rate on ``GET /health/`` (one trivial query, no authentication) is
the ceiling of the stack; the ratio says how much of it intake reaches.

``--profile`` instead files signals in-process through the API (Django test
client, same middleware and view) under cProfile and prints the top of the
profile and the queries one intake makes.

    .venv/bin/python -m bench.intake            # full scale (about two minutes)
    .venv/bin/python -m bench.intake --smoke    # under a minute
    .venv/bin/python -m bench.intake --profile  # where the time goes
"""

from __future__ import annotations

import asyncio
import datetime
import os
import random
import secrets
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a file: the repository, not bench/, goes first on the path
    # (bench/queue.py and bench/audit.py would shadow ``queue`` and ``audit``).
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import common

TARGET = 300.0  # signals/s, DESIGN.md "Targets"

# partner user, signal type, extra fields the type needs
PARTNERS: list[tuple[str, str, dict[str, Any]]] = [
    ("corporatie", "rent_arrears", {"arrears_since": "2026-06-01"}),
    ("energie", "energy_arrears", {"arrears_since": "2026-07-01"}),
    ("huisarts", "gp_observation", {"consent_given": True}),
    ("school", "school_observation", {"consent_given": True, "children_in_household": "yes"}),
]
SURNAMES = ["Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"]
GIVEN = ["Anna", "Mohammed", "Sanne", "Daan", "Fatima", "Lucas", "Emma", "Yusuf", "Noor", "Sem"]
STREETS = ["Kerkstraat", "Dorpsstraat", "Molenweg", "Schoolstraat", "Julianalaan"]


def valid_bsn(rng: random.Random) -> str:
    """A random nine-digit number that passes the elfproef."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(8)]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        last = total % 11
        if last <= 9 and digits[0] != 0:
            return "".join(map(str, digits)) + str(last)


def subject(rng: random.Random, n: int) -> dict[str, Any]:
    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randint(0, 365 * 65))
    return {
        "bsn": valid_bsn(rng) if n % 2 == 0 else "",
        "initials": "",
        "given_names": rng.choice(GIVEN),
        "surname_prefix": "",
        "surname": f"{rng.choice(SURNAMES)}-{n}",
        "date_of_birth": born.isoformat(),
        "postcode": f"{rng.randint(1000, 1099)} {rng.choice('ABCEGHJKLMN')}{rng.choice('ABEGHJKLMN')}",
        "house_number": str(rng.randint(1, 400)),
        "house_number_addition": "",
        "street": rng.choice(STREETS),
        "city": "Amsterdam",
        "phone": f"06-{rng.randint(10_000_000, 99_999_999)}",
        "email": f"bewoner{n}@example.org",
    }


def payloads(count: int, run: str, seed: int = 1) -> list[tuple[int, dict[str, Any]]]:
    """``count`` (partner index, payload) pairs; about 20% repeat an earlier household."""
    rng = random.Random(seed)
    known: list[dict[str, Any]] = []
    out: list[tuple[int, dict[str, Any]]] = []
    for n in range(count):
        partner = n % len(PARTNERS)
        _user, code, extra = PARTNERS[partner]
        if known and rng.random() < 0.2:
            person = rng.choice(known)
        else:
            person = subject(rng, n)
            known.append(person)
        body: dict[str, Any] = {
            "signal_type": code,
            "partner_reference": f"BENCH-{run}-{n:07d}",
            "subject": person,
            "threat": rng.choice(["none"] * 8 + ["eviction", "disconnection"]),
            "children_in_household": "unknown",
            "note": "Reageert niet op brieven; betalingsregeling afgesproken en niet nagekomen.",
            "consent_given": False,
        }
        if code.endswith("_arrears"):
            # One in twenty below the €75 threshold: stored and closed at once.
            body["arrears_amount"] = "40.00" if rng.random() < 0.05 else f"{rng.randint(100, 4000)}.00"
        body.update(extra)
        out.append((partner, body))
    return out


async def _load(
    url: str,
    jobs: list[tuple[dict[str, str], Any]],
    clients: int,
    max_seconds: float,
    method: str,
) -> tuple[list[float], int, float]:
    """Send ``jobs`` (headers, json body) with ``clients`` in flight; (latencies s, errors, elapsed s)."""
    import aiohttp

    latencies: list[float] = []
    errors = 0
    queue = iter(jobs)
    start = time.perf_counter()
    stop_at = start + max_seconds

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        for headers, body in queue:
            if time.perf_counter() > stop_at:
                return
            sent = time.perf_counter()
            async with session.request(method, url, json=body, headers=headers) as answer:
                await answer.read()
                if answer.status not in (200, 201):
                    errors += 1
                    if errors <= 3:
                        common.say(f"{method} {url} -> {answer.status}: {(await answer.text())[:300]}")
                    continue
            latencies.append(time.perf_counter() - sent)

    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(client(session) for _ in range(clients)))
    return latencies, errors, time.perf_counter() - start


def load(
    url: str, jobs: list[tuple[dict[str, str], Any]], clients: int, max_seconds: float, method: str = "POST"
) -> tuple[list[float], int, float]:
    return asyncio.run(_load(url, jobs, clients, max_seconds, method))


def run_http(args: Any) -> None:
    database = common.database_name("intake", args.smoke)
    count = args.requests or (600 if args.smoke else 30_000)
    warmup = 100 if args.smoke else 1000
    health_count = args.requests or (1000 if args.smoke else 30_000)
    max_seconds = 20.0 if args.smoke else 180.0

    common.say(f"database {database}: create, migrate, seed")
    common.create_database(database)
    common.setup_django(database)
    common.migrate_and_seed(secrets.token_urlsafe(16))
    tokens = [common.token_for(user) for user, _code, _extra in PARTNERS]
    from django.db import connections

    connections.close_all()

    run = secrets.token_hex(3)
    work = payloads(warmup + count, run)
    jobs = [
        ({"Authorization": f"Token {tokens[partner]}", "Idempotency-Key": body["partner_reference"]}, body)
        for partner, body in work
    ]
    log = Path(common.bench_env(database)["BULK_UPLOAD_DIR"]) / "gunicorn.log"
    with common.gunicorn(database, workers=args.workers, threads=args.threads, log=log) as server:
        common.say(f"gunicorn: {args.workers} workers x {args.threads} threads at {server.base_url}")
        signals_url = f"{server.base_url}/api/v1/signals/"
        health_url = f"{server.base_url}/health/"
        master = server.process.pid
        load(signals_url, jobs[:warmup], args.clients, max_seconds)
        common.say(f"filing {count} signals, {args.clients} clients")
        cpu = (common.process_cpu_seconds(master), common.machine_cpu())
        latencies, errors, elapsed = load(signals_url, jobs[warmup:], args.clients, max_seconds)
        intake_cpu = _cpu_use(master, cpu, len(latencies) + errors)
        common.say(f"health: {health_count} requests")
        load(health_url, [({}, None)] * 200, args.clients, max_seconds, "GET")
        cpu = (common.process_cpu_seconds(master), common.machine_cpu())
        h_latencies, h_errors, h_elapsed = load(
            health_url, [({}, None)] * health_count, args.clients, max_seconds, "GET"
        )
        health_cpu = _cpu_use(master, cpu, len(h_latencies) + h_errors)

    if not latencies or not h_latencies:
        raise SystemExit(f"no successful requests (intake errors {errors}, health errors {h_errors})")
    rate = len(latencies) / elapsed
    health_rate = len(h_latencies) / h_elapsed
    load_avg = [round(x, 2) for x in os.getloadavg()]
    setup = {"workers": args.workers, "threads": args.threads, "clients": args.clients}
    intake = common.figure(
        "intake_rate",
        rate,
        "signals/s",
        TARGET,
        rate >= TARGET,
        requests=len(latencies),
        errors=errors,
        seconds=round(elapsed, 2),
        p50_ms=round(common.percentile(latencies, 0.5) * 1000, 1),
        p95_ms=round(common.percentile(latencies, 0.95) * 1000, 1),
        load_average=load_avg,
        **intake_cpu,
        **setup,
    )
    health = common.figure(
        "health_rate",
        health_rate,
        "requests/s",
        None,
        None,
        requests=len(h_latencies),
        errors=h_errors,
        p50_ms=round(common.percentile(h_latencies, 0.5) * 1000, 1),
        p95_ms=round(common.percentile(h_latencies, 0.95) * 1000, 1),
        **health_cpu,
        **setup,
    )
    ratio = common.figure("intake_to_health_ratio", rate / health_rate, "ratio", None, None)
    _verify_filed(database, len(latencies) + warmup)
    common.finish(intake, [intake, health, ratio])
    if args.drop:
        common.drop_database(database)


def _cpu_use(master: int, before: tuple[float, tuple[float, float]], requests: int) -> dict[str, float]:
    """CPU per request: in gunicorn's workers (Python), and on the whole machine (all cores, everyone)."""
    workers_before, (busy_before, total_before) = before
    busy, total = common.machine_cpu()
    workers = common.process_cpu_seconds(master) - workers_before
    cores = os.cpu_count() or 1
    return {
        "gunicorn_cpu_ms_per_request": round(workers * 1000 / max(requests, 1), 2),
        "machine_cpu_ms_per_request": round((busy - busy_before) * 1000 / max(requests, 1), 2),
        "machine_busy": round((busy - busy_before) / max(total - total_before, 1e-9), 3),
        "cores": cores,
    }


def _verify_filed(database: str, expected: int) -> None:
    """The answers were 201s; check the signals are really there."""
    from signals.models import Signal

    stored = Signal.objects.count()
    if stored < expected:
        raise SystemExit(f"only {stored} signals stored after {expected} successful filings")


def run_profile(args: Any) -> None:
    import cProfile
    import io
    import pstats

    database = common.database_name("intake_profile", args.smoke)
    count = args.requests or (100 if args.smoke else 2000)
    common.say(f"database {database}: create, migrate, seed")
    common.create_database(database)
    common.setup_django(database)
    common.migrate_and_seed(secrets.token_urlsafe(16))
    tokens = [common.token_for(user) for user, _code, _extra in PARTNERS]

    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    work = iter(payloads(3 * count + 100, secrets.token_hex(3)))

    def file_one() -> None:
        partner, body = next(work)
        answer = client.post(
            "/api/v1/signals/",
            body,
            content_type="application/json",
            headers={"authorization": f"Token {tokens[partner]}"},
        )
        if answer.status_code != 201:
            raise SystemExit(f"intake answered {answer.status_code}: {answer.content[:300]!r}")

    for _ in range(50):
        file_one()
    # The test client empties the query log at each request; keep it across a few.
    request_started.disconnect(reset_queries)
    sample = 20
    with CaptureQueriesContext(connection) as queries:
        sampled = time.perf_counter()
        for _ in range(sample):
            file_one()
        sampled = time.perf_counter() - sampled
        captured = list(queries.captured_queries)
    per_intake = len(captured) // sample
    db_ms = sum(float(q["time"]) for q in captured) * 1000 / sample
    print(
        f"\nQueries of one intake ({per_intake}; {db_ms:.1f} ms in the database"
        f" of {sampled * 1000 / sample:.1f} ms in all):"
    )
    for query in captured[-per_intake:]:
        print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:150]}")

    started = time.perf_counter()
    for _ in range(count):
        file_one()
    rate = count / (time.perf_counter() - started)

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(count):
        file_one()
    profile.disable()
    for order, top in (("cumulative", 45), ("tottime", 30)):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        text = out.getvalue()
        print(f"\nProfile of {count} intakes in one process, by {order}:")
        print(text[text.find("   ncalls") :])
    # One process gets one of the two cores: half the target is its share.
    share = TARGET / 2
    result = common.figure(
        "intake_rate_one_process",
        rate,
        "signals/s",
        share,
        rate >= share,
        requests=count,
        queries_per_intake=per_intake,
        db_ms_per_intake=round(db_ms, 2),
        ms_per_intake=round(1000 / rate, 2),
    )
    common.finish(result, [result])
    if args.drop:
        common.drop_database(database)


def main() -> None:
    parser = common.base_parser(__doc__.splitlines()[0] if __doc__ else "intake")
    parser.add_argument("--profile", action="store_true", help="profile in-process intakes instead")
    parser.add_argument("--requests", type=int, default=0, help="signals to file (default by scale)")
    parser.add_argument("--clients", type=int, default=16, help="requests in flight")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread when > 1)")
    args = parser.parse_args()
    if args.profile:
        run_profile(args)
    else:
        run_http(args)


if __name__ == "__main__":
    main()
