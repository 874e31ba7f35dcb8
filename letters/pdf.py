"""Letters as PDF, with ReportLab's standard fonts so their text can be read back."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer

# The words around the template's text, in the template's language (not the page's).
_WORDS = {
    "nl": {"date": "Datum", "reference": "Ons kenmerk", "subject": "Betreft", "title": "Brief"},
    "en": {"date": "Date", "reference": "Our reference", "subject": "Subject", "title": "Letter"},
}


@dataclass(frozen=True)
class Letter:
    """One letter, every text already filled in."""

    language: str
    name: str
    address: tuple[str, ...]
    reference: str
    date: str
    title: str
    body: str


_BODY = ParagraphStyle("letter-body", fontName="Helvetica", fontSize=10.5, leading=15, spaceAfter=8)
_ADDRESS = ParagraphStyle("letter-address", parent=_BODY, spaceAfter=0)
_SUBJECT = ParagraphStyle("letter-subject", parent=_BODY, fontName="Helvetica-Bold")


def _lines(text: str) -> str:
    return "<br/>".join(escape(line) for line in text.splitlines())


def _story(letter: Letter) -> list[Flowable]:
    words = _WORDS.get(letter.language, _WORDS["nl"])
    address: list[Flowable] = [
        Paragraph(escape(line), _ADDRESS) for line in (letter.name, *letter.address) if line
    ]
    story: list[Flowable] = [
        Spacer(1, 3 * cm),  # the window of a standard envelope
        KeepTogether(address),
        Spacer(1, 1.5 * cm),
        Paragraph(f"{words['date']}: {escape(letter.date)}", _ADDRESS),
        Paragraph(f"{words['reference']}: {escape(letter.reference)}", _ADDRESS),
        Spacer(1, 0.6 * cm),
        Paragraph(f"{words['subject']}: {escape(letter.title)}", _SUBJECT),
    ]
    paragraphs = [part.strip("\n") for part in letter.body.replace("\r\n", "\n").split("\n\n")]
    story += [Paragraph(_lines(part), _BODY) for part in paragraphs if part.strip()]
    return story


def render(letters: Iterable[Letter], *, title: str = "") -> bytes:
    """One PDF: each letter starts on a new page."""
    story: list[Flowable] = []
    first_language = "nl"
    for n, letter in enumerate(letters):
        if n:
            story.append(PageBreak())
        else:
            first_language = letter.language
        story += _story(letter)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title or _WORDS.get(first_language, _WORDS["nl"])["title"],
        author="Schakelpunt",
        leftMargin=2.5 * cm,
        rightMargin=2.5 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
    )
    document.build(story or [Spacer(1, 1)])
    return buffer.getvalue()
