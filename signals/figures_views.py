"""The figures page ``/cijfers/``: charts and the table behind each, per period and district.

Aggregates only, for triage officers, coordinators, administrators and
auditors; every view (and CSV export) is written to the access log with its
filters, as the auditor's pages log theirs.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from audit.services import record
from coordination.models import District, Role
from coordination.web_access import actor_of, role_required
from helpers.forms import Choice, FormField, WebForm, flatten_errors

from . import charts, figures
from .figures_query import FiguresQuery, csv_response, logged_filters

TOP_AREAS = 20  # the neighbourhood chart's bars; its table lists every postcode area


def _form() -> WebForm:
    districts = [Choice("", _("Alle wijken"))] + [Choice(str(d.pk), d.name) for d in District.objects.all()]
    return WebForm(
        "figures",
        [
            FormField("start", _("Van maand"), kind="month", hint=_("Bijvoorbeeld 2026-01."), width="m"),
            FormField("end", _("Tot en met maand"), kind="month", width="m"),
            FormField("district", _("Wijk"), kind="select", choices=districts),
        ],
    )


def _charts(data: dict[str, Any]) -> dict[str, Any]:
    tables = data["tables"]
    per_month = tables["signals_per_month"]
    series = [
        (name, [row[1 + index] for row in per_month["rows"]])
        for index, name in enumerate(per_month["series"])
    ]
    return {
        "signals_per_month": charts.columns(
            "chart-signals-per-month", per_month["title"], [row[0] for row in per_month["rows"]], series
        ),
        "districts": charts.bars(
            "chart-districts",
            _("Signalen per wijk"),
            [(row[0], row[1]) for row in tables["districts"]["rows"]],
        ),
        "neighbourhoods": charts.bars(
            "chart-neighbourhoods",
            _("De %(n)s buurten met de meeste signalen") % {"n": TOP_AREAS},
            sorted(
                ((f"{row[0]} {row[1]}".strip(), row[2]) for row in tables["neighbourhoods"]["rows"]),
                key=lambda item: -(item[1] or 0),
            )[:TOP_AREAS],
        ),
        "reach": charts.bars(
            "chart-reach",
            tables["reach"]["title"],
            [(row[0], row[2]) for row in tables["reach"]["rows"][1:]],
            unit="%",
        ),
        "first_contact": charts.bars(
            "chart-first-contact",
            tables["first_contact"]["title"],
            [(_("%(days)s werkdagen") % {"days": row[0]}, row[1]) for row in tables["first_contact"]["rows"]],
        ),
        "deadline_compliance": charts.bars(
            "chart-deadline-compliance",
            tables["deadline_compliance"]["title"],
            [(row[0], row[2]) for row in tables["deadline_compliance"]["rows"]],
            unit="%",
        ),
        "outcomes_per_quarter": charts.bars(
            "chart-outcomes",
            tables["outcomes_per_quarter"]["title"],
            [(row[0], row[-1]) for row in tables["outcomes_per_quarter"]["rows"]],
        ),
    }


@role_required(Role.TRIAGE, Role.COORDINATOR, Role.ADMIN, Role.AUDITOR)
def figures_page(request: HttpRequest) -> HttpResponse:
    form = _form().bind(request.GET)
    values = {name: value for name, value in form.values().items() if value}
    if request.GET.get("table"):
        values["table"] = request.GET["table"]
    query = FiguresQuery(data=values)
    if not query.is_valid():
        form.add_errors(flatten_errors(query.errors))
        query = FiguresQuery(data={})
        query.is_valid(raise_exception=True)
    filters = query.validated_data
    csv = request.GET.get("format") == "csv" and "table" in filters and not form.has_errors
    data = figures.compute(filters["period"], filters.get("district"))
    record(
        actor=actor_of(request),
        event_type="read",
        action="figures.export" if csv else "figures.read",
        object_type="figures",
        detail=logged_filters(filters),
    )
    if csv:
        return csv_response(data, filters["table"])
    period = filters["period"]
    form.initial(start=period.first.strftime("%Y-%m"), end=period.last.strftime("%Y-%m"))
    shown_filters = {
        "start": period.first.strftime("%Y-%m"),
        "end": period.last.strftime("%Y-%m"),
        **({"district": filters["district"]} if filters.get("district") else {}),
    }
    chart_of = _charts(data)
    sections = [
        {
            "id": name,
            "table": data["tables"][name],
            "chart": chart_of[name],
            "csv_url": "?" + urlencode({**shown_filters, "format": "csv", "table": name}),
        }
        for name in figures.TABLES
    ]
    district_name = ""
    if filters.get("district"):
        district_name = District.objects.get(pk=filters["district"]).name
    return render(
        request,
        "signals/figures.html",
        {
            "form": form,
            "sections": sections,
            "data": data,
            "district_name": district_name,
            "suppress_below": figures.SUPPRESS_BELOW,
            "suppressed_text": f"<{figures.SUPPRESS_BELOW}",
            "median": data["tables"]["first_contact"]["median"],
        },
        status=400 if form.has_errors else 200,
    )
