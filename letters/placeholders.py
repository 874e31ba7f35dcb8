"""The placeholders a letter template may use, and nothing else.

A template is plain text with ``{naam}``-style fields, parsed by
``string.Formatter`` but never handed to ``str.format``: only the names in
``PLACEHOLDERS`` are filled in, with no attribute or index access, no
conversion and no format spec, so a template cannot reach into an object.
``{{`` and ``}}`` are literal braces.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PLACEHOLDERS = {
    "naam": gettext_lazy("naam van het huishouden"),
    "adres": gettext_lazy("adres: straat en huisnummer, postcode en plaats"),
    "kenmerk": gettext_lazy("kenmerk van de casus"),
    "medewerker": gettext_lazy("naam van de medewerker"),
    "telefoon": gettext_lazy("telefoonnummer van de medewerker"),
    "datum": gettext_lazy("datum van vandaag"),
}

_FORMATTER = string.Formatter()


def _parts(text: str) -> list[tuple[str, str | None]]:
    """The literal text and field name of each part; ValueError on unbalanced braces."""
    return [(literal, name) for literal, name, _spec, _conversion in _FORMATTER.parse(text)]


def check(text: str) -> None:
    """ValidationError naming what is wrong with the placeholders in ``text``."""
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError:
        raise ValidationError(
            _("Een accolade staat los. Schrijf een letterlijke accolade als {{ of }}.")
        ) from None
    unknown = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            unknown.append(
                "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            )
    if unknown:
        allowed = ", ".join("{" + key + "}" for key in PLACEHOLDERS)
        raise ValidationError(
            _("Onbekende invulvelden: %(unknown)s. U kunt gebruiken: %(allowed)s.")
            % {"unknown": ", ".join(unknown), "allowed": allowed}
        )


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its placeholders replaced by ``values`` (every key of ``PLACEHOLDERS``)."""
    filled = []
    for literal, name in _parts(text):
        filled.append(literal)
        if name is not None:
            # Templates are checked when saved; one that was not (written to the
            # database directly) shows an unknown field as written, never an error.
            filled.append(values[name] if name in values else "{" + name + "}")
    return "".join(filled)
