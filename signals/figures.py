"""Management figures: anonymous counts, small numbers suppressed (DESIGN.md, "Interfaces").

They live with the signals because they count signals as well as cases (this
app may read both). Every number comes from ``FigureTally``, the counts the
database keeps up to date on every write of a signal, a case or a deadline
breach (migration ``figures_tally``; ``signals.tally``), so a page reads a few
thousand tally rows instead of a million cases. The tally holds only facts
that survive erasure (month, district, signal type, postcode area, outcome,
the case's timestamps), so erased cases still count.

Counts under ``SUPPRESS_BELOW`` are shown as "<5" everywhere: in the tables,
the charts, the CSV files and the API (``suppress``). A share or median is
shown only when the count it is taken of is shown.
"""

from __future__ import annotations

import bisect
import datetime
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Deadline, DeadlineBreach, Outcome
from coordination.models import District, PostcodeArea
from coordination.workdays import is_working_day

from .models import FigureTally, Signal, SignalType

SUPPRESS_BELOW = 5  # counts under this are shown as "<5": too few to be anonymous
DEFAULT_MONTHS = 12  # without a period: the last twelve months, this one included


def suppress(count: int | None) -> int | None:
    """The count as it may be shown: ``None`` ("<5") when it is too small to be anonymous."""
    if count is None or count < SUPPRESS_BELOW:
        return None
    return count


def shown(count: int | None) -> str:
    """A count as text for a table or CSV cell: the number, or "<5"."""
    value = suppress(count)
    return f"<{SUPPRESS_BELOW}" if value is None else str(value)


def total(parts: Iterable[int]) -> int | None:
    """A row's total as it may be shown beside its parts: not when it would give away a
    small count that the parts hide (the total minus the shown parts is 1 to 4)."""
    counts = list(parts)
    whole = sum(counts)
    hidden = sum(count for count in counts if suppress(count) is None)
    if 0 < hidden < SUPPRESS_BELOW:
        return None
    return suppress(whole)


def share(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole`` (one decimal), only when both are shown."""
    if suppress(part) is None or suppress(whole) is None:
        return None
    return round(100.0 * part / whole, 1)


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole months, ``first`` to ``last`` inclusive (both the first day of their month)."""

    first: datetime.date
    last: datetime.date

    @classmethod
    def default(cls, today: datetime.date | None = None) -> Period:
        this_month = _month(today or timezone.localdate())
        return cls(add_months(this_month, 1 - DEFAULT_MONTHS), this_month)

    def months(self) -> list[datetime.date]:
        out, month = [], self.first
        while month <= self.last:
            out.append(month)
            month = add_months(month, 1)
        return out


def parse_month(text: str) -> datetime.date:
    """``YYYY-MM`` as the first day of that month; ``ValueError`` otherwise."""
    parsed = datetime.datetime.strptime(text.strip(), "%Y-%m").date()
    if parsed.year < 2000 or parsed.year > 2100:
        raise ValueError(text)
    return parsed


def quarter(month: datetime.date) -> str:
    return f"{month.year}-Q{(month.month - 1) // 3 + 1}"


def outcome_label(code: str) -> str:
    try:
        return str(Outcome(code).label)
    except ValueError:  # a code no longer in the list (kept by an old closed case)
        return code


@dataclass
class _Tally:
    """The summed tally rows of a period and district: (month, district, kind, key) -> count."""

    rows: list[tuple[datetime.date, int | None, str, str, int]]

    def by(self, kind: str) -> Iterable[tuple[datetime.date, int | None, str, int]]:
        for month, district, row_kind, key, n in self.rows:
            if row_kind == kind:
                yield month, district, key, n

    def total(self, kind: str) -> int:
        return sum(n for *_, n in self.by(kind))


def tally_query(period: Period, district: int | None) -> tuple[str, list[Any]]:
    """The one query of the figures: the tally summed per month, district and fact."""
    table = FigureTally._meta.db_table
    # Signals per postcode are summed over the months here, in the database: they are
    # the most numerous rows (a postcode area per month and district), and their table
    # is per period, not per month.
    sql = (
        f"SELECT CASE WHEN kind = 'signal_postcode' THEN %s ELSE month END AS month, "  # noqa: S608 (our table)
        f"district_id, kind, key, sum(n)::bigint FROM {table} "
        "WHERE month >= %s AND month <= %s"
    )
    params: list[Any] = [period.first, period.first, period.last]
    if district is not None:
        sql += " AND district_id = %s"
        params.append(district)
    sql += " GROUP BY 1, district_id, kind, key HAVING sum(n) <> 0"
    return sql, params


def _read_tally(period: Period, district: int | None) -> _Tally:
    if connection.vendor != "postgresql":
        return _counted_here(period, district)
    sql, params = tally_query(period, district)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _Tally([(row[0], row[1], row[2], row[3], int(row[4])) for row in cursor.fetchall()])


def facts_counted_here() -> Counter[tuple[datetime.date, int | None, str, str]]:
    """The tally's facts counted in Python from the cases and signals themselves.

    What the triggers keep in ``FigureTally`` on PostgreSQL, by the same rules
    (migration ``figures_tally``); used on SQLite (``make run``), which has no
    such triggers, and by the tests to check the two agree.
    """
    counts: Counter[tuple[datetime.date, int | None, str, str]] = Counter()

    def month(moment: datetime.datetime) -> datetime.date:
        return timezone.localtime(moment).date().replace(day=1)

    cases = list(
        Case.objects.values_list(
            "id",
            "household_id",
            "district_id",
            "opened_at",
            "first_contact_at",
            "first_conversation_at",
            "help_accepted_on",
            "repeat",
            "multiple",
            "state",
            "closed_at",
            "outcome",
        )
    )
    late_cases = set(
        DeadlineBreach.objects.filter(deadline=Deadline.FIRST_CONTACT).values_list("case_id", flat=True)
    )
    for (
        case_id,
        _household,
        district,
        opened,
        contact,
        conversation,
        helped,
        repeat,
        multiple,
        state,
        closed,
        outcome,
    ) in cases:
        if outcome == Outcome.MERGED:
            continue
        opened_month = month(opened)
        facts = ["case"]
        if contact is not None:
            facts.append("contacted")
            opened_day = timezone.localtime(opened).date()
            contact_day = timezone.localtime(contact).date()
            days = sum(
                1
                for offset in range(1, (contact_day - opened_day).days + 1)
                if is_working_day(opened_day + datetime.timedelta(days=offset))
            )
            counts[(opened_month, district, "first_contact_days", str(min(days, 999)))] += 1
            if case_id in late_cases:
                facts.append("first_contact_late")
        if conversation is not None:
            facts.append("conversation")
        if helped is not None:
            facts.append("help_accepted")
        if repeat:
            facts.append("repeat")
        if multiple:
            facts.append("multiple")
        for kind in facts:
            counts[(opened_month, district, kind, "")] += 1
        if state == "closed" and closed is not None and outcome:
            counts[(month(closed), district, "outcome", outcome)] += 1
    signals = Signal.objects.values_list(
        "received_at", "signal_type_id", "postcode_area", "case__district_id"
    )
    for received, type_id, postcode, district in signals:
        counts[(month(received), district, "signal_type", str(type_id))] += 1
        counts[(month(received), district, "signal_postcode", postcode)] += 1
    return +counts


def _counted_here(period: Period, district: int | None) -> _Tally:
    summed: Counter[tuple[datetime.date, int | None, str, str]] = Counter()
    for (month, district_id, kind, key), n in facts_counted_here().items():
        if not period.first <= month <= period.last or (district is not None and district_id != district):
            continue
        summed[(period.first if kind == "signal_postcode" else month, district_id, kind, key)] += n
    return _Tally(
        [(month, district_id, kind, key, n) for (month, district_id, kind, key), n in summed.items() if n]
    )


def _area_of(postcode: str, areas: list[PostcodeArea], starts: list[int]) -> PostcodeArea | None:
    """The area holding a 4-digit postcode; ``areas`` sorted by start (they never overlap)."""
    if not postcode.isdigit():
        return None
    number = int(postcode)
    index = bisect.bisect_right(starts, number) - 1
    if index >= 0 and areas[index].start <= number <= areas[index].end:
        return areas[index]
    return None


def _median_from_histogram(histogram: dict[int, int]) -> float | None:
    values: list[int] = []
    for days, count in sorted(histogram.items()):
        values.extend([days] * count)
    return float(statistics.median(values)) if values else None


# How the working days to the first contact attempt are grouped in the table.
CONTACT_BUCKETS = ((0, 0), (1, 1), (2, 2), (3, 3), (4, 5), (6, 10), (11, 20), (21, None))


def _bucket_label(low: int, high: int | None) -> str:
    if high is None:
        return _("%(low)s of meer") % {"low": low}
    if low == high:
        return str(low)
    return f"{low}–{high}"


def compute(period: Period | None = None, district: int | None = None) -> dict[str, Any]:
    """Every figure for a period (default: the last twelve months) and, optionally, one district.

    Counts are suppressed already. The keys of the API's answer; the web page
    and the CSV files show the same ``tables``.
    """
    period = period or Period.default()
    tally = _read_tally(period, district)
    districts = {d.pk: d.name for d in District.objects.all()}
    types = {str(t.pk): t for t in SignalType.objects.all()}
    months = period.months()

    # Signals per month by type (and district, for the API's rows).
    per_month_type: dict[tuple[datetime.date, str], int] = defaultdict(int)
    per_month_rows: dict[tuple[datetime.date, str, str], int] = defaultdict(int)
    per_district_signals: dict[int | None, int] = defaultdict(int)
    for month, district_id, key, n in tally.by("signal_type"):
        code = types[key].code if key in types else key
        per_month_type[(month, code)] += n
        per_month_rows[(month, code, districts.get(district_id, "") if district_id else "")] += n
        per_district_signals[district_id] += n
    type_codes = sorted({code for _month_, code in per_month_type})
    type_names = {t.code: t.name for t in types.values()}

    per_district_cases: dict[int | None, int] = defaultdict(int)
    for _m, district_id, _k, n in tally.by("case"):
        per_district_cases[district_id] += n

    areas = list(PostcodeArea.objects.select_related("district").order_by("start"))
    starts = [area.start for area in areas]
    per_area: dict[int | None, int] = defaultdict(int)
    without_postcode = 0
    for _m, _d, key, n in tally.by("signal_postcode"):
        if not key:
            without_postcode += n
            continue
        area = _area_of(key, areas, starts)
        per_area[area.pk if area else None] += n

    cases = tally.total("case")
    contacted = tally.total("contacted")
    conversation = tally.total("conversation")
    help_accepted = tally.total("help_accepted")
    repeat = tally.total("repeat")
    multiple = tally.total("multiple")
    late = tally.total("first_contact_late")
    histogram: dict[int, int] = defaultdict(int)
    for _m, _d, key, n in tally.by("first_contact_days"):
        histogram[int(key)] += n
    median_days = _median_from_histogram(histogram) if suppress(contacted) is not None else None
    # "On time" is the contacted cases minus the late ones: not shown when it would give
    # away a late count under five.
    on_time = None if 0 < late < SUPPRESS_BELOW else suppress(contacted - late)
    on_time_share = share(contacted - late, contacted) if on_time is not None else None

    per_quarter: dict[tuple[str, str], int] = defaultdict(int)
    outcome_rows: dict[tuple[str, str], int] = defaultdict(int)
    for month, district_id, key, n in tally.by("outcome"):
        per_quarter[(key, quarter(month))] += n
        outcome_rows[(key, districts.get(district_id, "") if district_id else "")] += n
    quarters = sorted({quarter(m) for m in months})
    outcome_codes = [code for code in Outcome.values if code != Outcome.MERGED]
    outcome_codes += sorted({code for code, _q in per_quarter} - set(outcome_codes))

    tables: dict[str, dict[str, Any]] = {
        "signals_per_month": {
            "title": _("Signalen per maand, per soort"),
            "columns": [_("Maand")] + [type_names.get(code, code) for code in type_codes] + [_("Totaal")],
            "rows": [
                [month.strftime("%Y-%m")]
                + [suppress(per_month_type.get((month, code), 0)) for code in type_codes]
                + [total(per_month_type.get((month, code), 0) for code in type_codes)]
                for month in months
            ],
            "series": [type_names.get(code, code) for code in type_codes],
        },
        "districts": {
            "title": _("Signalen en casussen per wijk"),
            "columns": [_("Wijk"), _("Signalen"), _("Casussen")],
            "rows": [
                [name, suppress(per_district_signals.get(pk, 0)), suppress(per_district_cases.get(pk, 0))]
                for pk, name in sorted(districts.items(), key=lambda item: item[1])
                if district is None or pk == district
            ]
            + (
                [
                    [
                        _("Nog zonder wijk"),
                        suppress(per_district_signals.get(None, 0)),
                        suppress(per_district_cases.get(None, 0)),
                    ]
                ]
                if district is None
                else []
            ),
        },
        "neighbourhoods": {
            "title": _("Signalen per buurt (postcodegebied)"),
            "columns": [_("Postcodegebied"), _("Wijk"), _("Signalen")],
            "rows": [
                [str(area), area.district.name, suppress(per_area.get(area.pk, 0))]
                for area in areas
                if district is None or area.district_id == district
            ]
            + [
                [_("Buiten de postcodegebieden"), "", suppress(per_area.get(None, 0))],
                [_("Zonder postcode"), "", suppress(without_postcode)],
            ],
        },
        "reach": {
            "title": _("Bereik en resultaat van de casussen die in de periode binnenkwamen"),
            "columns": [_("Casussen"), _("Aantal"), _("Percentage van de casussen")],
            "rows": [
                [_("Casussen"), suppress(cases), share(cases, cases)],
                [_("Met een contactpoging (bereik)"), suppress(contacted), share(contacted, cases)],
                [_("Met een gesprek"), suppress(conversation), share(conversation, cases)],
                [_("Hulp geaccepteerd"), suppress(help_accepted), share(help_accepted, cases)],
                [_("Herhaalde signalen"), suppress(repeat), share(repeat, cases)],
                [_("Meervoudige signalen"), suppress(multiple), share(multiple, cases)],
            ],
        },
        "first_contact": {
            "title": _("Werkdagen tot de eerste contactpoging"),
            "columns": [_("Werkdagen"), _("Casussen")],
            "rows": [
                [
                    _bucket_label(low, high),
                    suppress(
                        sum(
                            n
                            for days, n in histogram.items()
                            if days >= low and (high is None or days <= high)
                        )
                    ),
                ]
                for low, high in CONTACT_BUCKETS
            ],
            "median": median_days,
        },
        "deadline_compliance": {
            "title": _("Termijn voor de eerste contactpoging gehaald"),
            "columns": [_("Eerste contactpoging"), _("Casussen"), _("Percentage")],
            "rows": [
                [_("Op tijd"), on_time, on_time_share],
                [_("Te laat"), suppress(late), share(late, contacted)],
            ],
        },
        "outcomes_per_quarter": {
            "title": _("Eindresultaten per kwartaal"),
            "columns": [_("Eindresultaat"), *quarters, _("Totaal")],
            "rows": [
                [outcome_label(code)]
                + [suppress(per_quarter.get((code, q), 0)) for q in quarters]
                + [total(per_quarter.get((code, q), 0) for q in quarters)]
                for code in outcome_codes
            ],
            "codes": outcome_codes,
        },
    }

    return {
        "period": {"start": period.first.strftime("%Y-%m"), "end": period.last.strftime("%Y-%m")},
        "district": district,
        # The first four keys as before this page existed (rows with "suppressed").
        "signals_per_month": [
            {"month": m.strftime("%Y-%m"), "type": code, "district": name, **_count(n)}
            for (m, code, name), n in sorted(per_month_rows.items())
        ],
        "outcomes": [
            {"outcome": code, "district": name, **_count(n)}
            for (code, name), n in sorted(outcome_rows.items())
            if code != Outcome.MERGED
        ],
        "reach": {
            "cases": suppress(cases),
            "contacted": suppress(contacted),
            "contacted_share": share(contacted, cases),
            "reached": suppress(conversation),
            "help_accepted": suppress(help_accepted),
            "help_accepted_share": share(help_accepted, cases),
            "repeat": suppress(repeat),
            "repeat_share": share(repeat, cases),
            "multiple": suppress(multiple),
            "multiple_share": share(multiple, cases),
            "median_working_days_to_first_contact": median_days,
        },
        "deadline_compliance": {
            "first_contact_total": suppress(contacted),
            "first_contact_on_time": on_time,
            "first_contact_on_time_share": on_time_share,
        },
        "outcomes_per_quarter": [
            {"outcome": code, "label": outcome_label(code), "quarter": q, **_count(n)}
            for (code, q), n in sorted(per_quarter.items())
            if code != Outcome.MERGED
        ],
        "tables": tables,
    }


def _count(n: int) -> dict[str, Any]:
    return {"count": suppress(n), "suppressed": suppress(n) is None}


TABLES = (
    "signals_per_month",
    "districts",
    "neighbourhoods",
    "reach",
    "first_contact",
    "deadline_compliance",
    "outcomes_per_quarter",
)


def csv_rows(figures: dict[str, Any], table: str) -> list[list[Any]]:
    """One table as CSV rows: its header, then its rows; "<5" for a suppressed count."""
    spec = figures["tables"][table]
    out: list[list[Any]] = [[str(column) for column in spec["columns"]]]
    for row in spec["rows"]:
        out.append([str(row[0])] + [_cell(value) for value in row[1:]])
    return out


def _cell(value: Any) -> str:
    if value is None:
        return f"<{SUPPRESS_BELOW}"
    return str(value)


ALL_TIME = Period(datetime.date(2000, 1, 1), datetime.date(2100, 12, 1))


def signals_per_month(*, suppress: bool = True, period: Period | None = None) -> list[dict[str, Any]]:
    """Signals per month, type and district: all months unless a period is given."""
    tally = _read_tally(period or ALL_TIME, None)
    districts = {d.pk: d.name for d in District.objects.all()}
    types = {str(t.pk): t.code for t in SignalType.objects.all()}
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for month, district_id, key, n in tally.by("signal_type"):
        counts[
            (
                month.strftime("%Y-%m"),
                types.get(key, key),
                districts.get(district_id, "") if district_id else "",
            )
        ] += n
    return [
        {
            "month": m,
            "type": t,
            "district": d,
            "count": n if not suppress or n >= SUPPRESS_BELOW else None,
            "suppressed": suppress and n < SUPPRESS_BELOW,
        }
        for (m, t, d), n in sorted(counts.items())
    ]


def outcomes() -> list[dict[str, Any]]:
    """Closed cases per outcome and district, over all time (merged cases not counted)."""
    tally = _read_tally(ALL_TIME, None)
    districts = {d.pk: d.name for d in District.objects.all()}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for _m, district_id, key, n in tally.by("outcome"):
        counts[(key, districts.get(district_id, "") if district_id else "")] += n
    return [
        {"outcome": code, "district": name, **_count(n)}
        for (code, name), n in sorted(counts.items())
        if code != Outcome.MERGED
    ]
