"""The figures' filters (period, district, table), read the same way by the API and the web page."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from coordination.models import District
from helpers.spreadsheet import GuardedWriter

from . import figures

MAX_MONTHS = 120  # ten years per request: a longer period is asked for in parts


class FiguresQuery(serializers.Serializer[dict[str, Any]]):
    start = serializers.RegexField(
        r"^\d{4}-\d{2}$",
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Eerste maand, JJJJ-MM (standaard: elf maanden voor deze)."),
    )
    end = serializers.RegexField(
        r"^\d{4}-\d{2}$",
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Laatste maand, JJJJ-MM (standaard: deze maand)."),
    )
    district = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text=gettext_lazy("Alleen deze wijk (id).")
    )
    table = serializers.ChoiceField(
        choices=figures.TABLES,
        required=False,
        help_text=gettext_lazy("Met format=csv: welke tabel (standaard signals_per_month)."),
    )

    def _month(self, value: str, name: str) -> datetime.date | None:
        if not value:
            return None
        try:
            return figures.parse_month(value)
        except ValueError:
            raise serializers.ValidationError({name: _("Geen geldige maand (JJJJ-MM).")}) from None

    def validate_district(self, value: int | None) -> int | None:
        if value is not None and not District.objects.filter(pk=value).exists():
            raise serializers.ValidationError(_("Deze wijk bestaat niet."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        default = figures.Period.default()
        first = self._month(attrs.get("start", ""), "start")
        last = self._month(attrs.get("end", ""), "end")
        if last is not None and first is None:
            period = figures.Period(figures.add_months(last, 1 - figures.DEFAULT_MONTHS), last)
        elif first is None:
            period = default
        elif last is None:
            period = figures.Period(first, max(first, default.last))
        else:
            period = figures.Period(first, last)
        if period.first > period.last:
            raise serializers.ValidationError({"end": _("De laatste maand ligt voor de eerste.")})
        if len(period.months()) > MAX_MONTHS:
            raise serializers.ValidationError(
                {"start": _("Kies een periode van hoogstens %(n)s maanden.") % {"n": MAX_MONTHS}}
            )
        attrs["period"] = period
        return attrs


def logged_filters(query: dict[str, Any]) -> dict[str, Any]:
    """What the access-log entry keeps of a request for figures: its filters, nothing else."""
    period: figures.Period = query["period"]
    return {
        "start": period.first.strftime("%Y-%m"),
        "end": period.last.strftime("%Y-%m"),
        "district": query.get("district"),
        "table": query.get("table", ""),
    }


def csv_response(data: dict[str, Any], table: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    period = data["period"]
    response["Content-Disposition"] = (
        f'attachment; filename="cijfers-{table.replace("_", "-")}-{period["start"]}-{period["end"]}.csv"'
    )
    # District names are typed by the administrator: no formula reaches a spreadsheet.
    writer = GuardedWriter(response)
    for row in figures.csv_rows(data, table):
        writer.writerow(row)
    return response
