"""The answer to a resident's request to see who accessed their data (AVG art. 15), as a PDF.

Plain Dutch, one page or a few: which organisations, in which role, saw or
changed the household's data, when and why (the reasons given to break the
glass in full), and which attempts were refused. Staff names only when
``AUDIT_LETTER_STAFF_NAMES`` is on; by default the letter names roles and
organisations, which is what the law asks. Made with ReportLab's standard
fonts, so the text can be read back (and is, by the tests).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .labels import action_label, is_refusal, role_label
from .subjects import CaseRef, Viewer


@dataclass
class _Line:
    organisation: str
    role: str
    first: datetime
    last: datetime
    count: int = 0
    denied: int = 0
    actions: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)
    people: set[str] = field(default_factory=set)


def _day(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d-%m-%Y")


def _lines(viewers: Sequence[Viewer]) -> list[_Line]:
    """One line per organisation and role; system work (no user) is left out."""
    lines: dict[tuple[str, str], _Line] = {}
    for viewer in viewers:
        if not viewer.username:
            continue
        key = (viewer.organisation or "-", viewer.role)
        line = lines.get(key)
        if line is None:
            line = lines[key] = _Line(key[0], viewer.role, viewer.first, viewer.last)
        line.first, line.last = min(line.first, viewer.first), max(line.last, viewer.last)
        # Refused attempts showed nothing: they are listed apart, not counted as seeing.
        line.count += viewer.count - viewer.denied
        line.denied += viewer.denied
        line.actions.update(action_label(a) for a in viewer.actions if not is_refusal(a))
        line.reasons.extend(reason for reason in viewer.reasons if reason not in line.reasons)
        line.people.add(viewer.user_name or viewer.username)
    return sorted(lines.values(), key=lambda line: (line.organisation, line.role))


def letter_pdf(
    *, cases: Sequence[CaseRef], viewers: Sequence[Viewer], staff_names: bool | None = None
) -> bytes:
    """The letter as PDF bytes. ``staff_names`` defaults to the setting."""
    if staff_names is None:
        staff_names = bool(settings.AUDIT_LETTER_STAFF_NAMES)
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName="Helvetica", fontSize=10, leading=14)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=12)
    heading = ParagraphStyle("heading", parent=styles["Heading1"], fontName="Helvetica-Bold", fontSize=15)
    sub = ParagraphStyle("sub", parent=styles["Heading2"], fontName="Helvetica-Bold", fontSize=12)
    lines = _lines(viewers)
    references = ", ".join(ref.reference for ref in cases) or "-"

    story: list[Flowable] = [
        Paragraph("Wie heeft uw gegevens ingezien?", heading),
        Paragraph(f"Datum: {timezone.localtime().strftime('%d-%m-%Y')}", body),
        Paragraph(f"Uw dossiernummer(s): {escape(references)}", body),
        Spacer(1, 0.4 * cm),
        Paragraph(
            "U heeft gevraagd wie uw gegevens heeft bekeken of gebruikt. Uw gemeente werkt bij "
            "vroegsignalering van geldzorgen samen met andere organisaties. Elke keer dat iemand uw "
            "gegevens bekijkt of wijzigt, wordt dat vastgelegd. Hieronder staat wat er is vastgelegd: "
            "welke organisaties, in welke rol, wanneer en waarom.",
            body,
        ),
        Spacer(1, 0.3 * cm),
    ]
    seen = [line for line in lines if line.count]
    if not seen:
        story.append(Paragraph("Er is niemand geweest die uw gegevens heeft ingezien of gewijzigd.", body))
    else:
        story.append(Paragraph("Wie zag of gebruikte uw gegevens", sub))
        header = ["Organisatie", "Rol", "Wanneer", "Aantal keer", "Wat"]
        if staff_names:
            header.insert(2, "Medewerker")
        rows: list[list[object]] = [[Paragraph(f"<b>{escape(cell)}</b>", small) for cell in header]]
        for line in seen:
            first, last = _day(line.first), _day(line.last)
            period = first if first == last else f"{first} t/m {last}"
            cells = [
                escape(line.organisation),
                escape(role_label(line.role) or "-"),
                period,
                str(line.count),
                escape("; ".join(sorted(line.actions))),
            ]
            if staff_names:
                cells.insert(2, escape(", ".join(sorted(line.people))))
            rows.append([Paragraph(cell, small) for cell in cells])
        widths = [3.6 * cm, 3.4 * cm, 3.2 * cm, 1.8 * cm, 5.0 * cm]
        if staff_names:
            widths = [3.0 * cm, 2.8 * cm, 2.6 * cm, 2.8 * cm, 1.6 * cm, 4.2 * cm]
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    reasons = [(line, reason) for line in lines for reason in line.reasons]
    if reasons:
        story += [Spacer(1, 0.4 * cm), Paragraph("Inzage buiten de gewone toegang", sub)]
        story.append(
            Paragraph(
                "Soms moet iemand die uw dossier normaal niet ziet het toch inzien, bijvoorbeeld "
                "bij spoed. Dat mag alleen met een reden, die wordt vastgelegd en gecontroleerd. "
                "Dit waren de redenen:",
                body,
            )
        )
        for line, reason in reasons:
            story.append(
                Paragraph(
                    f"- {escape(line.organisation)} ({escape(role_label(line.role))}): {escape(reason)}",
                    body,
                )
            )
    denied = [line for line in lines if line.denied]
    if denied:
        story += [Spacer(1, 0.4 * cm), Paragraph("Geweigerde pogingen", sub)]
        story.append(
            Paragraph(
                "Deze pogingen om uw gegevens in te zien zijn geweigerd; er is toen niets getoond:",
                body,
            )
        )
        for line in denied:
            story.append(
                Paragraph(
                    f"- {escape(line.organisation)} ({escape(role_label(line.role) or '-')}): "
                    f"{line.denied} keer",
                    body,
                )
            )
    story += [
        Spacer(1, 0.5 * cm),
        Paragraph(
            "Heeft u vragen over dit overzicht, of denkt u dat iemand uw gegevens ten onrechte heeft "
            "ingezien? Neem dan contact op met de functionaris gegevensbescherming van uw gemeente.",
            body,
        ),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title="Wie heeft uw gegevens ingezien?",
        author="Schakelpunt",
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
    )
    document.build(story)
    return buffer.getvalue()
