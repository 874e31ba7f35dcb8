"""Checks on what partners send: BSN, postcode, dates."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from cases.matching import normalise_postcode


def is_valid_bsn(value: str) -> bool:
    """The elfproef: 9 digits whose weighted sum (9..2, and -1 for the last) is divisible by 11."""
    if not value.isdigit() or len(value) not in (8, 9):
        return False
    digits = [int(d) for d in value.zfill(9)]
    if not any(digits):
        return False
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return total % 11 == 0


def validate_bsn(value: str) -> str:
    compact = value.replace(" ", "").replace(".", "").replace("-", "")
    if not compact:
        return ""
    if not is_valid_bsn(compact):
        raise serializers.ValidationError(_("Dit is geen geldig BSN (elfproef)."))
    return compact.zfill(9)


def validate_postcode(value: str) -> str:
    if not value.strip():
        return ""
    normalised = normalise_postcode(value)
    if normalised is None:
        raise serializers.ValidationError(_("Dit is geen Nederlandse postcode (1234 AB)."))
    return normalised


def validate_not_future(value: datetime.date) -> None:
    if value is None:
        return
    # The local date is never more than a day from the UTC date; only dates
    # near today need the (slower) local one. A batch file checks two per row.
    if value < datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=1):
        return
    if value > timezone.localdate():
        raise serializers.ValidationError(_("Deze datum ligt in de toekomst."))


def validate_birth_date(value: datetime.date) -> None:
    validate_not_future(value)
    if value is not None and value.year < 1900:
        raise serializers.ValidationError(_("Deze geboortedatum ligt voor 1900."))


def validate_house_number(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if not value.isdigit() or not 1 <= int(value) <= 99999:
        raise serializers.ValidationError(_("Een huisnummer is een getal van 1 tot 99999."))
    return str(int(value))


def validate_phone(value: str) -> str:
    compact = "".join(ch for ch in value if ch not in " -().")
    if not compact:
        return ""
    body = compact[1:] if compact.startswith("+") else compact
    if not body.isdigit() or not 8 <= len(body) <= 15:
        raise serializers.ValidationError(_("Dit is geen geldig telefoonnummer."))
    return compact
