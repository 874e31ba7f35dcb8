"""Reads for organisations, teams and routing."""

from __future__ import annotations

from .models import District, PostcodeArea


class PostcodeRouter:
    """Routes many postcodes with one query: the areas are loaded once (a few hundred rows)."""

    def __init__(self) -> None:
        self._areas: list[PostcodeArea] | None = None

    def district_for(self, postcode: str | None) -> District | None:
        if not postcode or len(postcode) < 4 or not postcode[:4].isdigit():
            return None
        if self._areas is None:
            self._areas = list(PostcodeArea.objects.select_related("district__team").order_by("start"))
        number = int(postcode[:4])
        return next((a.district for a in self._areas if a.start <= number <= a.end), None)
