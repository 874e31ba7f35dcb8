"""Reads for organisations, teams and routing."""

from __future__ import annotations

from helpers.cache import ProcessCache

from .models import District, PostcodeArea


def _load_areas() -> list[PostcodeArea]:
    return list(PostcodeArea.objects.select_related("district__team").order_by("start"))


# Every signal filed is routed; the areas change a few times a year.
_area_cache = ProcessCache(_load_areas)


def _areas() -> list[PostcodeArea]:
    return _area_cache.get()


def clear_area_cache() -> None:
    _area_cache.clear()


class PostcodeRouter:
    """Routes postcodes to districts by their 4-digit postcode areas."""

    def district_for(self, postcode: str | None) -> District | None:
        if not postcode or len(postcode) < 4 or not postcode[:4].isdigit():
            return None
        number = int(postcode[:4])
        return next((a.district for a in _areas() if a.start <= number <= a.end), None)
