"""Files a partner downloads around a bulk upload: a template to start from, and
the refused lines of an upload to put right.

Both CSVs are written as Dutch spreadsheet programs read and write them:
UTF-8 with a byte-order mark, ``;`` between the fields. Every cell goes
through ``helpers.spreadsheet.GuardedWriter`` (no formula reaches a
spreadsheet).
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from helpers.spreadsheet import GuardedWriter, guard_cell

from .forms import bulk_columns
from .models import BulkUpload, SignalType
from .tabular import DUTCH_HEADER, EXAMPLE_REFERENCE

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"


def example_row(kinds: list[SignalType]) -> dict[str, Any]:
    """One made-up signal of the first type the organisation may file (its reference marks it
    as the example: a file that still holds it has that line refused)."""
    kind = kinds[0] if kinds else None
    arrears = kind is not None and kind.is_arrears
    return {
        "signal_type": kind.code if kind else "",
        "partner_reference": EXAMPLE_REFERENCE,
        "subject_initials": "J.",
        "subject_given_names": "Jan",
        "subject_surname_prefix": "de",
        "subject_surname": "Voorbeeld",
        "subject_date_of_birth": datetime.date(1984, 3, 12),
        "subject_postcode": "1012 AB",
        "subject_house_number": "12",
        "subject_street": "Voorbeeldstraat",
        "subject_city": "Amsterdam",
        "subject_phone": "0612345678",
        "arrears_amount": Decimal("1234.56") if arrears else None,
        "arrears_since": datetime.date(2026, 6, 1) if arrears else None,
        "threat": "none",
        "children_in_household": "unknown",
        "consent_given": "true" if kind is not None and kind.requires_consent else "false",
        "crisis": "false",
        "warm_handover": "false",
        "signal_date": datetime.date(2026, 7, 1),
    }


def _csv_text(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, Decimal):
        whole, cents = f"{value:.2f}".split(".")
        return f"{int(whole):,}".replace(",", ".") + "," + cents
    return str(value)


def template_csv(kinds: list[SignalType]) -> str:
    columns = bulk_columns()
    row = example_row(kinds)
    out = io.StringIO()
    out.write(BOM)
    writer = GuardedWriter(out, delimiter=";")
    writer.writerow(columns)
    writer.writerow([_csv_text(column, row.get(column)) for column in columns])
    return out.getvalue()


def template_xlsx(kinds: list[SignalType]) -> bytes:
    """The template as a workbook: the signals sheet (header and example row, text columns
    kept as text so a BSN or phone number keeps its leading zero) and a sheet that explains
    the columns and lists the types this organisation may file."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    columns = bulk_columns()
    row = example_row(kinds)
    workbook = Workbook()
    sheet = workbook.create_sheet(_("Signalen"), 0)
    workbook.remove(workbook.worksheets[1])  # the empty sheet a new workbook starts with
    sheet.title = _("Signalen")
    sheet.append(columns)
    sheet.append([guard_cell(row.get(column)) for column in columns])
    for position, column in enumerate(columns, start=1):
        cell = sheet.cell(row=2, column=position)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(14, len(column) + 2)
        sheet.cell(row=1, column=position).font = Font(bold=True)
        if isinstance(cell.value, datetime.date):
            cell.number_format = "DD-MM-YYYY"
        elif column == "arrears_amount":
            cell.number_format = "#,##0.00"
        else:
            cell.number_format = "@"
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet(_("Uitleg"))
    guide.append([_("Kolom"), _("Ook als kolomnaam"), _("Inhoud")])
    for column in columns:
        guide.append([column, DUTCH_HEADER.get(column, ""), _help(column)])
    guide.append([])
    guide.append([_("Signaalsoorten die uw organisatie mag doorgeven")])
    guide.append([_("Code"), _("Naam"), _("Bedrag nodig"), _("Toestemming nodig")])
    for kind in kinds:
        guide.append(
            [
                kind.code,
                _(kind.name),
                _("ja") if kind.is_arrears else _("nee"),
                _("ja") if kind.requires_consent else _("nee"),
            ]
        )
    for letter, width in (("A", 30), ("B", 28), ("C", 80)):
        guide.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _help(column: str) -> str:
    texts = {
        "signal_type": _("De code van de signaalsoort (zie onder)."),
        "partner_reference": _("Uw eigen kenmerk, één per signaal. Haal de voorbeeldregel weg."),
        "subject_bsn": _("9 cijfers; wordt gecontroleerd met de elfproef."),
        "subject_surname": _("Verplicht."),
        "subject_date_of_birth": _("dd-mm-jjjj of jjjj-mm-dd."),
        "subject_postcode": _("1234 AB; met huisnummer."),
        "arrears_amount": _("In euro: 1234,56 of 1.234,56. Verplicht bij een achterstand."),
        "arrears_since": _("dd-mm-jjjj of jjjj-mm-dd."),
        "threat": _("none, eviction, disconnection of end_of_supply (of: geen, huisuitzetting, afsluiting)."),
        "children_in_household": _("yes, no of unknown (of: ja, nee, onbekend)."),
        "crisis": _("true of false (of: ja, nee): een crisissignaal."),
        "warm_handover": _("true of false (of: ja, nee): u heeft de bewoner al gesproken."),
        "signal_date": _("dd-mm-jjjj of jjjj-mm-dd: de dag waarop u het signaal verstuurt; leeg is vandaag."),
        "consent_given": _(
            "true of false (of: ja, nee). Nodig bij signalen van huisarts, school en anderen."
        ),
    }
    return texts.get(column, "")


def errors_csv(upload: BulkUpload) -> str:
    """The upload's refused lines: line, column (as the file names it), message."""
    out = io.StringIO()
    out.write(BOM)
    writer = GuardedWriter(out, delimiter=";")
    writer.writerow([_("regel"), _("kolom"), _("melding")])
    for row, field, column, message in upload.errors.values_list("row", "field", "column", "message"):
        writer.writerow([row, column or ("" if field == "row" else field), message])
    return out.getvalue()
