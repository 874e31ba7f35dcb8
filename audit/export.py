"""The access log as CSV, for the auditor API and the auditor's export page.

Both stream the same file: the columns of ``FIELDS``, one row per entry,
with any cell that a spreadsheet would run as a formula defused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from helpers import paging
from helpers.spreadsheet import GuardedWriter, guard_cell

from .chain import BODY_FIELDS, canonical_json
from .models import AccessEvent
from .selectors import ORDER
from .subjects import Viewer

# The log fields an auditor sees, in the API and in the export: never case content.
FIELDS = ["id", *BODY_FIELDS, "chain", "seq", "prev_hash", "hash"]


class _Echo:
    """A file-like object whose write returns the line, for streaming ``csv.writer`` output."""

    def write(self, value: str) -> str:
        return value


def csv_cell(value: Any) -> Any:
    """One value as a CSV cell: JSON for dicts, ISO 8601 for times, formulas defused."""
    if isinstance(value, dict):
        value = canonical_json(value)
    elif isinstance(value, datetime):
        value = value.isoformat()
    # User agents and typed usernames are not to be trusted with a formula.
    return guard_cell(value)


CHUNK = 2000


def csv_lines(events: QuerySet[AccessEvent]) -> Iterator[str]:
    """The header, then one line per entry, newest first, read in chunks by key.

    Each chunk is one index range scan after the last entry of the one before
    (no OFFSET, no cursor held open between chunks), so the first line goes out
    at once and memory stays flat however long the log is. An entry written
    while the export runs is newer than the first chunk and is not included.
    """
    writer = GuardedWriter(_Echo())
    yield writer.writerow(FIELDS)
    occurred, ident = FIELDS.index("occurred_at"), FIELDS.index("id")
    key: tuple[Any, ...] | None = None
    while True:
        rows = list(paging.beyond(events, ORDER, key, "<").values_list(*FIELDS)[:CHUNK])
        if not rows:
            return
        yield "".join(writer.writerow([csv_cell(value) for value in row]) for row in rows)
        if len(rows) < CHUNK:
            return
        key = (rows[-1][occurred], rows[-1][ident])


def csv_response(events: QuerySet[AccessEvent]) -> StreamingHttpResponse:
    """``events`` streamed as a download named after the current time.

    The caller logs the export first: no entry, no export.
    """
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(csv_lines(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="toegangslog-{stamp}.csv"'
    return response


VIEWER_FIELDS = [
    "user_id",
    "username",
    "user_name",
    "role",
    "organisation",
    "first_access",
    "last_access",
    "count",
    "denied",
    "actions",
    "break_glass_reasons",
]


def viewer_csv_response(subject_id: str, viewers: Iterable[Viewer]) -> HttpResponse:
    """ "Who saw this household" as CSV: one row per person and role, action codes as in the log.

    The summary is small (one row per person), so it is written whole; the
    caller logs the export first.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(VIEWER_FIELDS)
    for viewer in viewers:
        row = [
            viewer.user_id,
            viewer.username,
            viewer.user_name,
            viewer.role,
            viewer.organisation,
            viewer.first,
            viewer.last,
            viewer.count,
            viewer.denied,
            " ".join(viewer.actions),
            " | ".join(viewer.reasons),
        ]
        writer.writerow([csv_cell(value) for value in row])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="wie-zag-{subject_id[:8]}.csv"'
    return response
