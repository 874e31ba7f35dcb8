"""Upkeep of the figures' tally (``FigureTally``): the triggers write it, these fold and rebuild it.

Every change of a signal, case or first-contact breach appends a row with the
difference it makes (+1/-1 per fact). ``compact`` folds those rows into one
per month, district and fact, so the figures read a table whose size depends
on the months, districts, types and postcode areas, not on the number of
cases; the beat runs it every five minutes. ``rebuild`` counts everything anew
from the cases and signals (``manage.py rebuild_figures``): a repair, and the
way to recount repeat signals after an earlier case of a household was
reopened or its closing corrected, the one fact of a case that depends on
another case (the triggers recount a case's facts only when the case itself
changes). Writers of cases and signals wait while it runs: about two
minutes per million cases, by the smoke bench's rate.
"""

from __future__ import annotations

from django.db import connection, transaction


def compact() -> int:
    """Fold the tally; the number of rows written for facts that had several (0 when another
    fold was running, or on SQLite, which counts the figures as it reads them)."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT figures_compact()")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def rebuild() -> None:
    """Count every figure anew. Writers of signals and cases wait until it commits."""
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT figures_rebuild()")
