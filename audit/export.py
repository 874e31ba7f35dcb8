"""The access log as CSV, for the auditor API and the auditor's export page.

Both stream the same file: the columns of ``FIELDS``, one row per entry,
with any cell that a spreadsheet would run as a formula defused.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from helpers.spreadsheet import GuardedWriter, guard_cell

from .chain import BODY_FIELDS, canonical_json
from .models import AccessEvent

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


def csv_lines(events: QuerySet[AccessEvent]) -> Iterator[str]:
    """The header, then one line per entry, read from the database in chunks."""
    writer = GuardedWriter(_Echo())
    yield writer.writerow(FIELDS)
    for row in events.values_list(*FIELDS).iterator(chunk_size=2000):
        yield writer.writerow([csv_cell(value) for value in row])


def csv_response(events: QuerySet[AccessEvent]) -> StreamingHttpResponse:
    """``events`` streamed as a download named after the current time.

    The caller logs the export first: no entry, no export.
    """
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(csv_lines(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="toegangslog-{stamp}.csv"'
    return response
