"""Spreadsheets as partners make them: column names in Dutch, values as Excel writes them.

A bulk file's header may use the API's field names (``subject_surname``) or
the Dutch names in ``ALIASES`` (``achternaam``); both map to the API's name.
Headers are compared without case, accents, spaces, hyphens or dots, so
"Bedrag achterstand", "bedrag_achterstand" and "BEDRAG-ACHTERSTAND" are one
column. Values that only a spreadsheet writes are read here too: "ja"/"nee",
Dutch words for the threat and for children in the household, Excel's dates
and numbers. Amounts with a decimal comma and dates as dd-mm-jjjj are read by
the serializer's own fields, for the API and the form alike.
"""

from __future__ import annotations

import datetime
import unicodedata
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

# The Dutch column names beside the API's; each maps to one API field.
ALIASES: dict[str, str] = {
    "soort_signaal": "signal_type",
    "signaalsoort": "signal_type",
    "kenmerk": "partner_reference",
    "uw_kenmerk": "partner_reference",
    "referentie": "partner_reference",
    "bsn": "subject_bsn",
    "burgerservicenummer": "subject_bsn",
    "voorletters": "subject_initials",
    "voornamen": "subject_given_names",
    "voornaam": "subject_given_names",
    "tussenvoegsel": "subject_surname_prefix",
    "tussenvoegsels": "subject_surname_prefix",
    "achternaam": "subject_surname",
    "geslachtsnaam": "subject_surname",
    "geboortedatum": "subject_date_of_birth",
    "postcode": "subject_postcode",
    "huisnummer": "subject_house_number",
    "huisnummer_toevoeging": "subject_house_number_addition",
    "huisnummertoevoeging": "subject_house_number_addition",
    "toevoeging": "subject_house_number_addition",
    "straat": "subject_street",
    "straatnaam": "subject_street",
    "woonplaats": "subject_city",
    "plaats": "subject_city",
    "telefoon": "subject_phone",
    "telefoonnummer": "subject_phone",
    "e_mail": "subject_email",
    "email": "subject_email",
    "e_mailadres": "subject_email",
    "emailadres": "subject_email",
    "bedrag_achterstand": "arrears_amount",
    "achterstand_bedrag": "arrears_amount",
    "achterstand_sinds": "arrears_since",
    "datum_achterstand": "arrears_since",
    "dreiging": "threat",
    "kinderen": "children_in_household",
    "kinderen_in_huishouden": "children_in_household",
    "kinderen_in_het_huishouden": "children_in_household",
    "toelichting": "note",
    "opmerking": "note",
    "toestemming": "consent_given",
    "toestemming_bewoner": "consent_given",
    "crisissignaal": "crisis",
    "warme_overdracht": "warm_handover",
    "signaaldatum": "signal_date",
    "datum_signaal": "signal_date",
}

# The Dutch header the templates use for each API field (the first alias above).
DUTCH_HEADER: dict[str, str] = {}
for _alias, _field in ALIASES.items():
    DUTCH_HEADER.setdefault(_field, _alias)

# Words a clerk types instead of the API's codes, per field.
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "threat": {
        "geen": "none",
        "huisuitzetting": "eviction",
        "uitzetting": "eviction",
        "ontruiming": "eviction",
        "afsluiting": "disconnection",
        "einde_levering": "end_of_supply",
    },
    "children_in_household": {"ja": "yes", "nee": "no", "onbekend": "unknown"},
    "consent_given": {"ja": "true", "j": "true", "nee": "false", "n": "false"},
    "crisis": {"ja": "true", "j": "true", "nee": "false", "n": "false"},
    "warm_handover": {"ja": "true", "j": "true", "nee": "false", "n": "false"},
}

# The template's example row carries this reference: a file that still holds it is told so.
EXAMPLE_REFERENCE = "VOORBEELD-VERWIJDER-DEZE-REGEL"


def header_key(text: str) -> str:
    """A header as compared: lowercase, no accents, words joined by underscores."""
    plain = unicodedata.normalize("NFKD", text.strip().lstrip("\ufeff"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    for separator in (" ", "-", ".", "/"):
        plain = plain.replace(separator, "_")
    return "_".join(part for part in plain.split("_") if part)


def column_name(position: int, letters: bool) -> str:
    """Column ``position`` (from 1) as a clerk finds it: a number in CSV, a letter in Excel."""
    if not letters:
        return str(position)
    name = ""
    while position:
        position, rest = divmod(position - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def map_header(names: list[str], known: frozenset[str], *, letters: bool) -> list[str | None]:
    """Each header's API field name, or raises ``ValueError`` with the plain reason.

    Unknown headers are named by position only: a file without a header has a
    name or a BSN where its header should be.
    """
    fields: list[str | None] = []
    unknown: list[str] = []
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if not name.strip():
            fields.append(None)  # an empty header over an empty column, as Excel leaves them
            continue
        key = header_key(name)
        field = key if key in known else ALIASES.get(key)
        if field is None:
            unknown.append(column_name(position, letters))
            fields.append(None)
            continue
        if field in seen:
            raise ValueError(
                _("Kolom %(first)s en kolom %(second)s zijn allebei %(field)s; laat er één staan.")
                % {
                    "first": column_name(seen[field], letters),
                    "second": column_name(position, letters),
                    "field": field,
                }
            )
        seen[field] = position
        fields.append(field)
    if unknown:
        raise ValueError(
            _(
                "Regel 1 moet de kop met kolomnamen zijn. Onbekende kolomnaam in kolom: %(columns)s. "
                "Gebruik de kolomnamen uit het sjabloon, zoals achternaam of subject_surname."
            )
            % {"columns": ", ".join(unknown)}
        )
    if not seen:
        raise ValueError(_("Het bestand is leeg."))
    return fields


def clean_row(row: dict[str, str]) -> dict[str, str]:
    """A spreadsheet row's words as the API's codes (``ja`` → ``true``, ``huisuitzetting`` → ``eviction``)."""
    for field, words in VALUE_ALIASES.items():
        value = row.get(field)
        if value is not None:
            row[field] = words.get(header_key(value), value)
    code = row.get("signal_type")
    if code is not None:
        row["signal_type"] = code.strip().lower()
    if row.get("partner_reference", "").strip() == EXAMPLE_REFERENCE:
        return {"__error__": _("Dit is de voorbeeldregel uit het sjabloon; haal hem weg.")}
    return row


def sniff_delimiter(header_line: str) -> str:
    """``;`` or ``,`` (or a tab), whichever separates the header line's names."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def cell_text(field: str | None, value: Any) -> str | None:
    """An Excel cell's value as the text a CSV would hold (``None`` for an empty cell)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            value = int(value)
        else:
            return str(Decimal(repr(value)))
    if isinstance(value, int):
        text = str(value)
        # A phone number typed as a number loses its leading zero ("612345678").
        if field == "subject_phone" and len(text) == 9:
            return "0" + text
        return text
    text = str(value).strip()
    return text or None


class XlsxError(Exception):
    """The file is not a workbook that can be read; the message says why in plain words."""


def xlsx_rows(source: IO[bytes]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(line, cell values) of the first sheet. Empty rows are left out.

    A workbook that unpacks to at most ``BULK_XLSX_IN_MEMORY_BYTES`` is read whole
    by calamine (a compiled reader: a 100,000-row sheet in about a second, held in
    memory at about twice its unpacked size); a larger one is read as a stream by
    openpyxl's read-only mode (some twenty times slower, but a sheet is never held
    whole). Both give the same lines and values (``tests`` compare them).
    """
    unreadable = _(
        "Het bestand is geen leesbaar Excel-bestand (.xlsx). Sla het opnieuw op als .xlsx of als CSV."
    )
    try:
        with zipfile.ZipFile(source) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise XlsxError(unreadable) from exc
    if unpacked > int(settings.BULK_XLSX_MAX_UNPACKED_BYTES):
        raise XlsxError(_("Het Excel-bestand is uitgepakt te groot; splits het in kleinere bestanden."))
    source.seek(0)
    in_memory = unpacked <= int(settings.BULK_XLSX_IN_MEMORY_BYTES)
    rows = _rows_in_memory(source, unreadable) if in_memory else _rows_streamed(source, unreadable)
    for line, values in rows:
        if any(value is not None and str(value).strip() != "" for value in values):
            yield line, values


def _rows_in_memory(source: IO[bytes], unreadable: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The first sheet's rows as calamine reads them, numbered and placed as in the sheet:
    calamine's rows start at row 1 but at the first filled column, so the columns before
    it are put back (openpyxl, and the partner, count from A1)."""
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(source)
    except (python_calamine.CalamineError, OSError, ValueError, TypeError) as exc:
        raise XlsxError(unreadable) from exc
    with workbook:
        if not workbook.sheet_names:
            raise XlsxError(_("Het bestand is leeg."))
        try:
            sheet = workbook.get_sheet_by_index(0)
        except (python_calamine.CalamineError, OSError, ValueError, TypeError) as exc:
            raise XlsxError(unreadable) from exc
        _first_row, first_column = sheet.start or (0, 0)
        before: tuple[Any, ...] = (None,) * first_column
        for line, values in enumerate(sheet.iter_rows(), start=1):
            yield line, before + tuple(values)


def _rows_streamed(source: IO[bytes], unreadable: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The first sheet's rows as openpyxl's read-only mode streams them."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise XlsxError(unreadable) from exc
    try:
        if not workbook.worksheets:
            raise XlsxError(_("Het bestand is leeg."))
        try:
            yield from enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as exc:
            raise XlsxError(unreadable) from exc
    finally:
        workbook.close()
