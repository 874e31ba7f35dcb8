"""DDAS export: time the monitor's delivery of a year for a city of 900,000 inhabitants.

Such a city receives about 45,000 signals a year. They are filed through the
intake service (``signals.services.file_signals``, the bulk path: batches of
1,000) by the four demo partners (rent and energy arrears, GP and school
observations), about one in ten about a household filed before, so about
41,000 cases; then, in the database, the signals are spread over the year, and
the cases given what a year of work leaves: a claim (the date picked up), one
to three contact attempts on every channel for 85% of them, and an end result
for 70% (every DDAS end result in turn). The clock runs for ``GET
/api/v1/ddas/?start=…&end=…`` as the monitor (in-process through the Django
test client, token auth, full middleware): every signal and case decrypted,
the document built, and one ``ddas.export`` access-log entry per household
written before it is returned. The document is then validated against the
project's schema (``signals/ddas_schema.json``) and its counts checked.

    .venv/bin/python -m bench.ddas          # 45,000 signals
    .venv/bin/python -m bench.ddas --smoke  # 900 signals
"""

from __future__ import annotations

import json
import random
import secrets
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import common

FULL_SIGNALS = 45_000
TARGET_S = 30.0  # a year of a city of 900,000 inhabitants within half a minute
YEAR = 2026

PARTNERS = [
    ("corporatie", "rent_arrears"),
    ("energie", "energy_arrears"),
    ("huisarts", "gp_observation"),
    ("school", "school_observation"),
]


def file_year(count: int) -> None:
    """``count`` signals through the intake service, as the partners' monthly files."""
    from bench.intake import subject
    from coordination.models import User
    from signals.serializers import validate_signal
    from signals.services import Submission, file_signals

    rng = random.Random(12)
    users = {name: User.objects.with_roles().get(username=name) for name, _code in PARTNERS}
    known: list[dict[str, Any]] = []
    batches: dict[str, list[Submission]] = {name: [] for name, _code in PARTNERS}
    for n in range(count):
        name, code = PARTNERS[n % len(PARTNERS)]
        person = rng.choice(known) if known and rng.random() < 0.1 else subject(rng, n)
        known.append(person)
        body: dict[str, Any] = {
            "signal_type": code,
            "partner_reference": f"DDAS-{n:06d}",
            "subject": person,
            "threat": "none",
            "children_in_household": "unknown",
            "crisis": n % 50 == 0,
            "warm_handover": n % 7 == 0,
        }
        if code.endswith("_observation"):
            body["consent_given"] = True
        else:
            body["arrears_amount"] = f"{rng.randint(200, 6000)}.{rng.randint(0, 99):02d}"
            body["arrears_since"] = f"{YEAR - 1}-12-01"
        batches[name].append(Submission(data=validate_signal(body)))
        if len(batches[name]) == 1000:
            file_signals(actor=users[name], submissions=batches[name])
            batches[name] = []
        if n and n % 5000 == 0:
            common.say(f"{n} signals filed")
    for name, batch in batches.items():
        if batch:
            file_signals(actor=users[name], submissions=batch)


def spread_over_the_year(outcomes: list[str], channels: list[str], results: list[str]) -> None:
    """Receipt dates over the year; claims, contact attempts and end results as a year leaves them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE signals_signal SET
                received_at = make_timestamptz(%(year)s, 1, 1, 9, 0, 0, 'Europe/Amsterdam')
                              + ((abs(hashtext(id::text)) %% 360) || ' days')::interval
            """,
            {"year": YEAR},
        )
        cursor.execute(
            "UPDATE signals_signal SET signal_date = (received_at AT TIME ZONE 'Europe/Amsterdam')::date"
        )
        cursor.execute(
            """
            UPDATE cases_case c SET opened_at = s.first FROM (
                SELECT case_id, min(received_at) AS first FROM signals_signal
                WHERE case_id IS NOT NULL GROUP BY case_id
            ) s WHERE s.case_id = c.id
            """
        )
        officer = "(SELECT id FROM coordination_user WHERE username = 'schakelpunt')"
        cursor.execute(
            f"""
            INSERT INTO cases_casetransition (id, case_id, name, source, target, actor_id, at)
            SELECT gen_random_uuid(), c.id, 'claim', 'new', 'triage', {officer},
                   c.opened_at + interval '1 day'
            FROM cases_case c WHERE abs(hashtext(c.id::text)) %% 100 < 85
            """,
            {},
        )
        cursor.execute(
            f"""
            INSERT INTO cases_contactattempt (id, case_id, channel, result, reached, at, by_id, recorded_at)
            SELECT gen_random_uuid(), c.id, (%(channels)s::text[])[1 + (k + c.h) %% %(nc)s],
                   (%(results)s::text[])[1 + (k + c.h) %% %(nr)s],
                   (%(results)s::text[])[1 + (k + c.h) %% %(nr)s] <> 'not_reached',
                   c.opened_at + (k || ' days')::interval + ((c.h %% 12) || ' hours')::interval,
                   {officer}, c.opened_at
            FROM (SELECT id, opened_at, abs(hashtext(id::text)) AS h FROM cases_case) AS c,
                 generate_series(1, 1 + c.h %% 3) AS k
            WHERE c.h %% 100 < 85
            """,
            {"channels": channels, "nc": len(channels), "results": results, "nr": len(results)},
        )
        cursor.execute(
            """
            UPDATE cases_case c SET state = 'closed', closed_at = c.opened_at + interval '30 days',
                   outcome = (%(outcomes)s::text[])[1 + abs(hashtext(c.id::text || 'o')) %% %(no)s]
            WHERE abs(hashtext(c.id::text)) %% 100 < 70
            """,
            {"outcomes": outcomes, "no": len(outcomes)},
        )


def main() -> None:
    parser = common.base_parser("the DDAS export of a year")
    parser.add_argument("--signals", type=int, default=0, help="signals in the year (default by scale)")
    args = parser.parse_args()
    count = args.signals or (900 if args.smoke else FULL_SIGNALS)
    target = TARGET_S * count / FULL_SIGNALS if args.smoke else TARGET_S

    database = common.database_name("ddas", args.smoke)
    common.say(f"database {database}: create, migrate, seed")
    common.create_database(database)
    common.setup_django(database)
    common.migrate_and_seed(secrets.token_urlsafe(16))

    import jsonschema
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from audit.models import AccessEvent
    from cases.models import CLOSING_OUTCOMES, Case, ContactAttempt
    from coordination.models import User
    from signals.models import Signal

    started = time.perf_counter()
    file_year(count)
    outcomes = [code for code, _label in CLOSING_OUTCOMES]
    spread_over_the_year(outcomes, list(ContactAttempt.Channel.values), list(ContactAttempt.Result.values))
    n_signals, n_cases = Signal.objects.count(), Case.objects.count()
    common.say(f"{n_signals} signals, {n_cases} cases made in {time.perf_counter() - started:.0f} s")

    monitor = User.objects.get(username="monitor")
    TOTPDevice.objects.get_or_create(user=monitor, name="bench", defaults={"confirmed": True})
    token = common.token_for("monitor")
    path = f"/api/v1/ddas/?start={YEAR}-01-01&end={YEAR}-12-31"
    common.say(f"GET {path} as the monitor")
    clock = time.perf_counter()
    answer = Client().get(path, headers={"authorization": f"Token {token}"})
    elapsed = time.perf_counter() - clock
    if answer.status_code != 200:
        raise SystemExit(f"GET {path} answered {answer.status_code}: {answer.content[:300]!r}")
    document = json.loads(answer.content)
    schema = json.loads((Path(__file__).resolve().parent.parent / "signals" / "ddas_schema.json").read_text())
    errors = sum(1 for _error in jsonschema.Draft202012Validator(schema).iter_errors(document))
    delivery = document["leveringen"][0]
    logged = AccessEvent.objects.filter(action="ddas.export").count()
    households = Case.objects.values("household_id").distinct().count()
    checked = (
        errors == 0
        and len(delivery["vroegsignalen"]) == n_signals
        and len(delivery["vroegsignaalzaken"]) == n_cases
        and logged >= households
    )
    common.say(
        f"export of {len(answer.content) / 1e6:.1f} MB in {elapsed:.1f} s: {len(delivery['vroegsignalen'])} "
        f"signals, {len(delivery['vroegsignaalzaken'])} cases, {logged} access-log entries, "
        f"{errors} schema errors; checked: {checked}"
    )
    figure = common.figure(
        "ddas_export_year",
        elapsed,
        "s",
        target,
        elapsed <= target and checked,
        signals=len(delivery["vroegsignalen"]),
        cases=len(delivery["vroegsignaalzaken"]),
        access_log_entries=logged,
        mb=round(len(answer.content) / 1e6, 1),
        schema_errors=errors,
        checked=checked,
        path="GET /api/v1/ddas/ in-process as the monitor, token auth",
    )
    common.finish(figure, [figure])
    if args.drop:
        common.drop_database(database)


if __name__ == "__main__":
    main()
