"""Reads for organisations, teams and routing."""

from __future__ import annotations

import time

from .models import District, PostcodeArea

AREA_CACHE_SECONDS = 5.0
_area_cache: dict[str, tuple[float, list[PostcodeArea]]] = {}


def _areas() -> list[PostcodeArea]:
    # Every signal filed is routed; the areas change a few times a year. A
    # few seconds' cache per process keeps routing off the database.
    now = time.monotonic()
    cached = _area_cache.get("areas")
    if cached is not None and now - cached[0] < AREA_CACHE_SECONDS:
        return cached[1]
    areas = list(PostcodeArea.objects.select_related("district__team").order_by("start"))
    _area_cache["areas"] = (now, areas)
    return areas


def clear_area_cache() -> None:
    _area_cache.clear()


class PostcodeRouter:
    """Routes postcodes to districts by their 4-digit postcode areas."""

    def district_for(self, postcode: str | None) -> District | None:
        if not postcode or len(postcode) < 4 or not postcode[:4].isdigit():
            return None
        number = int(postcode[:4])
        return next((a.district for a in _areas() if a.start <= number <= a.end), None)
