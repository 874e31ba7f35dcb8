from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from letters.models import LetterTemplate


@pytest.fixture
def template(db) -> LetterTemplate:
    """A Dutch template using every placeholder (the migration's own may be flushed by other tests)."""
    return LetterTemplate.objects.create(
        name="Testbrief",
        language="nl",
        title="Uw kenmerk {kenmerk}",
        body=(
            "Beste {naam},\n\nU woont op {adres}. Bel {medewerker} op {telefoon}.\n\n"
            "Gedateerd {datum}; accolades blijven {{zo}}."
        ),
    )


def pdf_text(content: bytes) -> str:
    """The text of every page, read back from the PDF."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
