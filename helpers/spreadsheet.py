"""CSV cells a spreadsheet will not run as a formula (CSV injection).

Every CSV the service hands out (the access log, the figures, a bulk file's
refused lines) goes through ``guard_cell``: a text that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe,
which spreadsheets show as text and do not evaluate (OWASP, "CSV
Injection"). Numbers stay numbers: a negative amount is data, not a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value: Any) -> Any:
    """``value`` as it may stand in a CSV cell: a formula-like text defused, anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


class GuardedWriter:
    """``csv.writer`` whose rows have every cell passed through ``guard_cell``."""

    def __init__(self, out: _Writable, delimiter: str = ",") -> None:
        self._writer = csv.writer(out, delimiter=delimiter)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([guard_cell(value) for value in row])
