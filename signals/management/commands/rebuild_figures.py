"""Count the management figures anew from the cases and signals (``signals.tally.rebuild``)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from signals import tally


class Command(BaseCommand):
    help = (
        "Count the figures' tally anew from the cases and signals. Filing and changing cases wait "
        "until it is done (a few minutes with a million cases)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        tally.rebuild()
        self.stdout.write(f"Figures counted anew in {time.perf_counter() - started:.1f} s.")
