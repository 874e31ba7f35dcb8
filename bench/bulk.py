"""Bulk intake: time to file 100,000 signals from one CSV file.

The file goes through the public path a partner uses: ``POST
/api/v1/signals/bulk/`` (multipart ``file``) in-process through the Django
test client, with full middleware and token auth, and is filed by a Celery
worker (``--workers 2`` prefork processes on Redis, as deployed: the parts
of the file side by side); ``--workers 0`` runs Celery eagerly instead, so
the upload request files every part itself in its commit hook. The clock
runs from the start of the upload to the moment ``GET
/api/v1/signals/bulk/{id}/`` says ``done``.
Progress is read from the database meanwhile, so a slow path shows its rate
and, past ``--max-seconds``, the bench stops and reports the rate it saw.

One row in fifty is broken in a different way each time (wrong BSN, birth
date in the future, bad postcode, negative amount, unknown type) and must
come back as a row error; about one in ten is about a household already in
the file.

    .venv/bin/python -m bench.bulk            # 100,000 rows
    .venv/bin/python -m bench.bulk --xlsx     # the same rows as an Excel workbook
    .venv/bin/python -m bench.bulk --smoke    # 1,000 rows
    .venv/bin/python -m bench.bulk --profile  # where an upload's time goes (5,000 rows)
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import random
import secrets
import sys
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import common

TARGET_S = 120.0  # 100,000 signals within two minutes
FULL_ROWS = 100_000

COLUMNS = [
    "signal_type",
    "partner_reference",
    "subject_bsn",
    "subject_given_names",
    "subject_surname",
    "subject_date_of_birth",
    "subject_postcode",
    "subject_house_number",
    "subject_street",
    "subject_city",
    "subject_phone",
    "arrears_amount",
    "arrears_since",
    "threat",
    "children_in_household",
    "note",
]
BAD = [
    ("subject_bsn", "123456789"),
    ("subject_date_of_birth", "2999-01-01"),
    ("subject_postcode", "ABCD"),
    ("arrears_amount", "-10"),
    ("signal_type", "unknown_type"),
]


def csv_file(rows: int, run: str) -> tuple[bytes, int]:
    """A housing corporation's batch of ``rows`` rows; returns the file and how many rows are broken."""
    from bench.intake import subject

    rng = random.Random(7)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    people: list[dict[str, Any]] = []
    broken = 0
    for n in range(rows):
        if people and rng.random() < 0.1:
            person = rng.choice(people)
        else:
            person = subject(rng, n)
            people.append(person)
        row = {
            "signal_type": "rent_arrears",
            "partner_reference": f"HUUR-{run}-{n:07d}",
            "subject_bsn": person["bsn"],
            "subject_given_names": person["given_names"],
            "subject_surname": person["surname"],
            "subject_date_of_birth": person["date_of_birth"],
            "subject_postcode": person["postcode"],
            "subject_house_number": person["house_number"],
            "subject_street": person["street"],
            "subject_city": person["city"],
            "subject_phone": person["phone"],
            "arrears_amount": f"{rng.randint(100, 4000)}.00",
            "arrears_since": "2026-06-01",
            "threat": "eviction" if rng.random() < 0.05 else "none",
            "children_in_household": rng.choice(["yes", "no", "unknown"]),
            "note": f"Maandbatch {run}, huurder {n}",
        }
        if n % 50 == 49:
            field, value = BAD[(n // 50) % len(BAD)]
            row[field] = value
            broken += 1
        writer.writerow(row)
    return out.getvalue().encode(), broken


def xlsx_file(content: bytes) -> bytes:
    """The CSV's rows as an Excel workbook: dates as dates, amounts as numbers, as Excel keeps them."""
    import datetime

    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Maandbatch")
    reader = csv.reader(io.StringIO(content.decode()))
    sheet.append(next(reader))
    dates = {COLUMNS.index("subject_date_of_birth"), COLUMNS.index("arrears_since")}
    amount = COLUMNS.index("arrears_amount")
    for record in reader:
        values: list[Any] = list(record)
        for index in dates:
            with contextlib.suppress(ValueError):
                values[index] = datetime.date.fromisoformat(values[index])
        with contextlib.suppress(ValueError):
            values[amount] = float(values[amount])
        sheet.append([None if value == "" else value for value in values])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def profile_upload(content: bytes, token: str, name: str = "maandbatch.csv") -> None:
    """Upload the file in this thread under cProfile and print where the time went."""
    import cProfile
    import pstats

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    response = Client().post(
        "/api/v1/signals/bulk/",
        {"file": SimpleUploadedFile(name, content)},
        headers={"authorization": f"Token {token}"},
    )
    profile.disable()
    seconds = time.perf_counter() - started
    if os.environ.get("BENCH_PROFILE_OUT"):
        profile.dump_stats(os.environ["BENCH_PROFILE_OUT"])  # for pstats / snakeviz
    if response.status_code != 202:
        raise SystemExit(f"upload answered {response.status_code}: {response.content[:300]!r}")
    for order, top in (("cumulative", 45), ("tottime", 30)):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        text = out.getvalue()
        print(f"\nProfile of one upload, by {order}:")
        print(text[text.find("   ncalls") :])
    rows = content.count(b"\n") - 1 if name.endswith(".csv") else int(os.environ.get("BENCH_ROWS", "0"))
    result = common.figure(
        "bulk_rows_profiled",
        rows / seconds,
        "rows/s",
        FULL_ROWS / TARGET_S,
        rows / seconds >= FULL_ROWS / TARGET_S,
        rows=rows,
        seconds=round(seconds, 2),
        note="under cProfile, slower than without",
    )
    common.finish(result, [result])


def main() -> None:
    parser = common.base_parser("bulk intake of 100,000 signals")
    parser.add_argument("--rows", type=int, default=0, help="rows in the file (default by scale)")
    parser.add_argument(
        "--max-seconds", type=float, default=0, help="stop and report the rate seen after this long"
    )
    parser.add_argument("--profile", action="store_true", help="profile one upload (5,000 rows) instead")
    parser.add_argument("--xlsx", action="store_true", help="upload the rows as an Excel workbook (.xlsx)")
    parser.add_argument(
        "--workers", type=int, default=2, help="Celery worker processes on Redis (0: eager, in-process)"
    )
    args = parser.parse_args()
    if args.profile:
        args.workers = 0  # the profile is of this process
    rows = args.rows or (1000 if args.smoke else 5000 if args.profile else FULL_ROWS)
    max_seconds = args.max_seconds or (50.0 if args.smoke else 1800.0)

    metric = "bulk_100k" if rows == FULL_ROWS else "bulk_rows"
    if args.xlsx:
        metric += "_xlsx"
    target = TARGET_S * rows / FULL_ROWS  # the target's pace, for other sizes
    database = common.database_name("bulk_profile" if args.profile else "bulk", args.smoke)
    common.say(f"database {database}: create, migrate, seed")
    common.create_database(database)
    common.setup_django(database, broker=common.BROKER if args.workers else None)
    common.migrate_and_seed(secrets.token_urlsafe(16))
    token = common.token_for("corporatie")
    content, broken = csv_file(rows, secrets.token_hex(3))
    name = "maandbatch.csv"
    if args.xlsx:
        content, name = xlsx_file(content), "maandbatch.xlsx"
        os.environ["BENCH_ROWS"] = str(rows)
    common.say(f"file: {name}, {rows} rows, {len(content) / 1e6:.1f} MB, {broken} broken on purpose")

    if args.profile:
        profile_upload(content, token, name)
        if args.drop:
            common.drop_database(database)
        return

    path = (
        f"POST /api/v1/signals/bulk/ in-process, Celery worker with {args.workers} processes on Redis"
        if args.workers
        else "POST /api/v1/signals/bulk/ in-process, Celery eager"
    )
    with contextlib.ExitStack() as stack:
        if args.workers:
            log = Path(common.bench_env(database)["BULK_UPLOAD_DIR"]) / "celery.log"
            stack.enter_context(common.celery_worker(database, concurrency=args.workers, log=log))
            common.say(f"Celery worker: {args.workers} processes (log {log})")
        measure(args, rows, broken, content, token, metric, target, max_seconds, path, name)
    if args.drop:
        common.drop_database(database)


def measure(
    args: Any,
    rows: int,
    broken: int,
    content: bytes,
    token: str,
    metric: str,
    target: float,
    max_seconds: float,
    path: str,
    name: str = "maandbatch.csv",
) -> None:
    """Upload the file, follow its progress, print the figure."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connections
    from django.test import Client

    answer: dict[str, Any] = {}

    def upload() -> None:
        try:
            response = Client().post(
                "/api/v1/signals/bulk/",
                {"file": SimpleUploadedFile(name, content)},
                headers={"authorization": f"Token {token}"},
            )
            answer["status"] = response.status_code
            answer["body"] = response.json() if response.status_code < 500 else response.content[:300]
        except BaseException as exc:  # reported by the main thread
            answer["error"] = exc
        finally:
            connections.close_all()

    started = time.perf_counter()
    worker = threading.Thread(target=upload, name="bulk-upload", daemon=True)
    worker.start()
    last_report = started
    processed = 0
    while worker.is_alive():
        worker.join(timeout=1.0)
        elapsed = time.perf_counter() - started
        processed = _processed()
        if time.perf_counter() - last_report >= 10:
            last_report = time.perf_counter()
            common.say(f"{processed}/{rows} rows after {elapsed:.0f} s ({processed / elapsed:.0f} rows/s)")
        if worker.is_alive() and elapsed > max_seconds:
            rate = processed / elapsed
            result = common.figure(
                metric,
                rows / rate if rate else None,
                "s",
                target,
                False,
                rows=rows,
                processed=processed,
                rows_per_s=round(rate, 1),
                estimated=True,
                stopped_after_s=round(elapsed),
                path=path,
            )
            common.finish(result, [result])
            # The upload thread is mid-transaction; leaving drops its connection and rolls it back.
            sys.stdout.flush()
            os._exit(0)
    if "error" in answer:
        raise answer["error"]
    if answer.get("status") != 202:
        raise SystemExit(f"upload answered {answer.get('status')}: {answer.get('body')!r}")

    upload_id = answer["body"]["id"]
    client = Client()
    while True:
        progress = client.get(
            f"/api/v1/signals/bulk/{upload_id}/", headers={"authorization": f"Token {token}"}
        ).json()
        if progress["state"] in ("done", "failed") or time.perf_counter() - started > max_seconds:
            break
        if time.perf_counter() - last_report >= 10:
            last_report = time.perf_counter()
            elapsed = time.perf_counter() - started
            common.say(f"{progress['processed']}/{rows} rows after {elapsed:.0f} s")
        time.sleep(0.2)  # a broker-backed run processes after the upload answered
    seconds = time.perf_counter() - started
    if progress["state"] != "done":
        raise SystemExit(f"the upload ended {progress['state']}: {progress.get('failure', '')}")
    if progress["processed"] != rows or progress["rejected"] != broken:
        raise SystemExit(
            f"expected {rows} rows with {broken} rejected,"
            f" got {progress['processed']} and {progress['rejected']}"
        )
    result = common.figure(
        metric,
        seconds,
        "s",
        target,
        seconds <= target,
        rows=rows,
        accepted=progress["accepted"],
        rejected=progress["rejected"],
        rows_per_s=round(rows / seconds, 1),
        path=path,
        file=name,
        file_mb=round(len(content) / 1e6, 1),
    )
    common.finish(result, [result])


def _processed() -> int:
    from signals.models import BulkUpload

    current = BulkUpload.objects.order_by("-created_at").values("processed").first()
    return int(current["processed"]) if current else 0


if __name__ == "__main__":
    main()
