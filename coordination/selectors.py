"""Reads for organisations, teams and routing."""

from __future__ import annotations

from .models import District, PostcodeArea


def district_for_postcode(postcode: str | None) -> District | None:
    """The district whose postcode area holds this (normalised) postcode, if any."""
    if not postcode or len(postcode) < 4 or not postcode[:4].isdigit():
        return None
    number = int(postcode[:4])
    area = (
        PostcodeArea.objects.select_related("district__team")
        .filter(start__lte=number, end__gte=number)
        .order_by("start")
        .first()
    )
    return area.district if area else None
