"""Letters: time a print run of 1,000 letters, from the request to the downloaded PDF.

1,000 households (one rent-arrears signal each, filed through the intake
service as the housing corporation) have a case in outreach; the triage
officer starts one print run of all of them with ``POST /api/v1/letters/runs/``
(in-process through the Django test client, full middleware and token auth).
Celery runs eagerly, so the run is made in that request's commit hook: each
case locked, checked for an earlier letter and given a contact attempt by
letter with its access-log entry, then one PDF of 1,000 letters rendered with
ReportLab and sealed. The clock runs until ``GET /api/v1/letters/runs/{id}/``
says ``done``; the download (``letters.pdf``: one access-log read per
household, the PDF opened) is timed apart, and the PDF is read back with pypdf
to check it has a page per letter with the right reference on it.

The cases are put in outreach directly in the database: the state machine's
steps are not what is measured.

    .venv/bin/python -m bench.letters          # 1,000 letters
    .venv/bin/python -m bench.letters --smoke  # 50 letters
"""

from __future__ import annotations

import io
import random
import secrets
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import common

FULL_LETTERS = 1000
TARGET_S = 120.0  # a print run of 1,000 letters within two minutes


def make_cases(count: int) -> list[str]:
    """``count`` households, each with one case in outreach; their ids in filing order."""
    from bench.intake import subject
    from cases.models import Case
    from coordination.models import User
    from signals.models import Signal
    from signals.serializers import validate_signal
    from signals.services import Submission, file_signals

    rng = random.Random(14)
    corporatie = User.objects.with_roles().get(username="corporatie")
    batch: list[Submission] = []
    for n in range(count):
        body = {
            "signal_type": "rent_arrears",
            "partner_reference": f"BRIEF-{n:06d}",
            "subject": subject(rng, n),
            "arrears_amount": f"{rng.randint(300, 4000)}.00",
            "arrears_since": "2026-06-01",
            "threat": "none",
            "children_in_household": "unknown",
            "consent_given": False,
        }
        batch.append(Submission(data=validate_signal(body)))
        if len(batch) == 200 or n == count - 1:
            file_signals(actor=corporatie, submissions=batch)
            batch = []
    ids = list(
        Signal.objects.filter(partner_reference__isnull=False, case__isnull=False)
        .order_by("received_at", "id")
        .values_list("case_id", flat=True)
    )
    unique = list(dict.fromkeys(str(case_id) for case_id in ids))
    Case.objects.filter(pk__in=unique).update(state="outreach")
    return unique


def main() -> None:
    parser = common.base_parser("a print run of 1,000 letters")
    parser.add_argument("--letters", type=int, default=0, help="letters in the run (default by scale)")
    args = parser.parse_args()
    count = args.letters or (50 if args.smoke else FULL_LETTERS)
    target = TARGET_S * count / FULL_LETTERS

    database = common.database_name("letters", args.smoke)
    common.say(f"database {database}: create, migrate, seed")
    common.create_database(database)
    common.setup_django(database)
    common.migrate_and_seed(secrets.token_urlsafe(16))

    from django.test import Client
    from pypdf import PdfReader

    from cases.models import Case, ContactAttempt
    from letters.models import LetterTemplate

    started = time.perf_counter()
    case_ids = make_cases(count)
    common.say(f"{len(case_ids)} cases in outreach made in {time.perf_counter() - started:.0f} s")
    template = LetterTemplate.objects.get(language="nl", name="Eerste brief")
    token = common.token_for("schakelpunt")
    client = Client()
    headers = {"authorization": f"Token {token}"}

    def call(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if method == "post":
            answer = client.post(path, body, content_type="application/json", headers=headers)
        else:
            answer = client.get(path, headers=headers)
        if answer.status_code >= 400:
            raise SystemExit(
                f"{method.upper()} {path} answered {answer.status_code}: {answer.content[:300]!r}"
            )
        return answer

    common.say(f"print run of {len(case_ids)} letters: POST /api/v1/letters/runs/ (Celery eager)")
    clock = time.perf_counter()
    run = call("post", "/api/v1/letters/runs/", {"template": template.pk, "cases": case_ids}).json()
    posted = time.perf_counter() - clock
    progress = call("get", f"/api/v1/letters/runs/{run['id']}/").json()
    while progress["state"] in ("pending", "processing"):
        time.sleep(0.2)
        progress = call("get", f"/api/v1/letters/runs/{run['id']}/").json()
    elapsed = time.perf_counter() - clock
    common.say(f"run {progress['state']} in {elapsed:.1f} s: {progress['letters']} letters")

    clock = time.perf_counter()
    pdf = call("get", f"/api/v1/letters/runs/{run['id']}/letters.pdf").content
    download = time.perf_counter() - clock
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    last_reference = Case.objects.get(pk=case_ids[-1]).reference
    checked = (
        progress["state"] == "done"
        and progress["letters"] == len(case_ids)
        and pages >= len(case_ids)
        and last_reference in reader.pages[-1].extract_text()
        and ContactAttempt.objects.filter(channel="letter").count() == len(case_ids)
    )
    common.say(
        f"PDF {len(pdf) / 1e6:.2f} MB, {pages} pages, downloaded in {download:.2f} s; checked: {checked}"
    )

    figures = [
        common.figure(
            "letters_print_run",
            elapsed,
            "s",
            target,
            elapsed <= target and checked,
            letters=progress["letters"],
            request_s=round(posted, 3),
            letters_per_s=round(progress["letters"] / elapsed, 1) if elapsed else None,
            path="POST /api/v1/letters/runs/ in-process, Celery eager; until GET says done",
        ),
        common.figure(
            "letters_download",
            download,
            "s",
            None,
            None,
            mb=round(len(pdf) / 1e6, 2),
            pages=pages,
            checked=checked,
        ),
    ]
    common.finish(figures[0], figures)
    if args.drop:
        common.drop_database(database)


if __name__ == "__main__":
    main()
