"""The two .xlsx readers (calamine in memory, openpyxl as a stream) give the same lines and values."""

from __future__ import annotations

import datetime
import io
from typing import Any

import openpyxl
import pytest

from signals import tabular


def tricky_workbook() -> bytes:
    """Data that does not start at A1, empty rows between, and every kind of cell Excel keeps."""
    book = openpyxl.Workbook()
    book.remove(book.worksheets[0])
    sheet = book.create_sheet("Achterstanden")
    rows: list[list[Any]] = [
        ["Achternaam", "Geboortedatum", "Bedrag achterstand", "Huisnummer", "Telefoon", "Wijk", "Actief"],
        ["Jansen", datetime.date(1984, 3, 12), 1234.56, 12, 612345678, "  Noord ", True],
        [None, None, None, None, None, None, None],
        ["Ünal", datetime.datetime(1990, 1, 2, 0, 0), 100.0, "12a", "0201234567", "", False],
        ["van 't Hoff", datetime.date(1950, 12, 31), 0.1, 7, None, None, None],
    ]
    for r, values in enumerate(rows, start=3):  # from B3
        for c, value in enumerate(values, start=2):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
                if isinstance(value, datetime.date):
                    sheet.cell(row=r, column=c).number_format = "dd-mm-yyyy"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_text(rows: list[tuple[int, tuple]]) -> list[tuple[int, list[str | None]]]:
    """What the bulk path keeps of each row: the cells' texts (``tabular.cell_text``), empty cells dropped
    from the end (the readers may pad a row to the sheet's width differently)."""
    result = []
    for line, values in rows:
        texts = [tabular.cell_text(None, value) for value in values]
        while texts and texts[-1] is None:
            texts.pop()
        result.append((line, texts))
    return result


def read(content: bytes, settings, in_memory: bool) -> list[tuple[int, tuple]]:
    settings.BULK_XLSX_IN_MEMORY_BYTES = 1 << 30 if in_memory else 0
    return list(tabular.xlsx_rows(io.BytesIO(content)))


def test_both_readers_give_the_same_lines_and_values(settings):
    content = tricky_workbook()

    in_memory = as_text(read(content, settings, in_memory=True))
    streamed = as_text(read(content, settings, in_memory=False))

    assert in_memory == streamed
    assert [line for line, _ in in_memory] == [3, 4, 6, 7]  # the sheet's own row numbers; row 5 is empty
    assert in_memory[1][1] == [None, "Jansen", "1984-03-12", "1234.56", "12", "612345678", "Noord", "true"]
    assert in_memory[2][1][1:4] == ["Ünal", "1990-01-02", "100"]


@pytest.mark.parametrize("in_memory", [True, False], ids=["calamine", "openpyxl"])
def test_a_broken_workbook_is_refused_in_plain_words_by_either_reader(settings, in_memory):
    content = tricky_workbook()
    broken = content[: len(content) // 2] + b"\x00" * (len(content) // 2)

    with pytest.raises(tabular.XlsxError, match="geen leesbaar Excel-bestand"):
        read(broken, settings, in_memory)
