"""The demo's weighing framework, made by ``seed_demo`` (through ``coordination.events``)."""

from __future__ import annotations

from typing import Any

from .models import AgeBand, RecommendedAction, WorkTray

# name, position, recommended first action, criteria
DEMO_TRAYS: list[tuple[str, int, str, dict[str, Any]]] = [
    ("Dreiging", 10, RecommendedAction.HOME_VISIT, {"threats": ["eviction", "disconnection"]}),
    ("Jongeren", 20, RecommendedAction.PHONE, {"age_bands": [AgeBand.UNDER_27]}),
    ("Gezinnen met kinderen", 30, RecommendedAction.HOME_VISIT, {"children": True}),
    ("Meerdere schuldeisers", 40, RecommendedAction.PHONE, {"multiple": True}),
    ("Overig", 90, RecommendedAction.LETTER, {}),
]


def seed_demo_trays(**kwargs: object) -> None:
    """The demo trays, once: a tray the administrator changed since is left as it is."""
    for name, position, action, criteria in DEMO_TRAYS:
        WorkTray.objects.get_or_create(
            name=name, defaults={"position": position, "recommended_action": action, **criteria}
        )
