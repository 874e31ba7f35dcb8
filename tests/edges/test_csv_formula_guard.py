"""Every CSV the service hands out defuses cells a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from coordination.models import District
from helpers.spreadsheet import GuardedWriter, guard_cell
from tests.signals.payloads import signal


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_starting_like_a_formula_becomes_text(start):
    assert guard_cell(f'{start}HYPERLINK("http://x")') == f'\'{start}HYPERLINK("http://x")'


@pytest.mark.parametrize("value", ["Jansen", "", "2026-11", 12, -3, None, "a=b"])
def test_other_cells_are_left_alone(value):
    assert guard_cell(value) == value


def test_the_guarded_writer_guards_every_cell():
    out = io.StringIO()
    GuardedWriter(out).writerow(["=1+1", "ok", "@SUM(A1)", 5])

    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=1+1", "ok", "'@SUM(A1)", "5"]


def test_the_figures_export_guards_a_district_name(world, api_as):
    District.objects.filter(name="Wijk Noord").update(name='=HYPERLINK("http://evil")')
    assert api_as(world.corporatie).post("/api/v1/signals/", signal(), format="json").status_code == 201

    response = api_as(world.triage).get("/api/v1/figures/?format=csv")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert any(row[2] == '\'=HYPERLINK("http://evil")' for row in rows[1:])
    assert not any(cell.startswith("=") for row in rows for cell in row)


def test_the_access_log_export_guards_a_typed_username(world, api_as):
    api_as(None).post("/api/v1/auth/token/", {"username": "-2+3", "password": "x"}, format="json")

    response = api_as(world.auditor).get("/api/v1/audit/events/?format=csv")

    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert any("'-2+3" in row for row in rows)
    assert not any(cell[:1] in ("=", "+", "-", "@") for row in rows[1:] for cell in row)
