"""The English translation is complete: every Dutch text in the code and the templates has
an English one in locale/en/LC_MESSAGES/django.po.

The texts are collected the way ``make messages`` collects them (Django's
``makemessages``, with GNU gettext's ``xgettext``), from a copy of the sources
so that the repository's .po file is not touched. A text added to the code
without its translation fails here until it is translated.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
PO = Path("locale") / "en" / "LC_MESSAGES" / "django.po"
SKIP = {".venv", "node_modules", "tests", "bench", "media", "screenshots", "staticfiles", ".git", "docs"}


def _untranslated(catalogue: polib.POFile) -> list[str]:
    missing = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            missing.append(f"(fuzzy) {entry.msgid}")
        elif entry.msgid_plural:
            if not entry.msgstr_plural or not all(entry.msgstr_plural.values()):
                missing.append(entry.msgid)
        elif not entry.msgstr:
            missing.append(entry.msgid)
    return missing


@pytest.mark.translations
def test_the_po_file_has_english_for_every_entry() -> None:
    missing = _untranslated(polib.pofile(str(ROOT / PO)))

    assert not missing, f"{len(missing)} Dutch texts without English:\n" + "\n".join(missing)


@pytest.mark.translations
@pytest.mark.slow
def test_every_text_in_the_sources_has_english(tmp_path: Path) -> None:
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext) is needed to collect the texts: apt-get install gettext")
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT, copy, ignore=lambda folder, names: [n for n in names if n in SKIP or n == "__pycache__"]
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "schakelpunt.settings_test"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-location", "--no-obsolete"],
        cwd=copy,
        env=environment,
        check=True,
        capture_output=True,
    )

    missing = _untranslated(polib.pofile(str(copy / PO)))

    assert not missing, f"{len(missing)} Dutch texts without English:\n" + "\n".join(missing)
