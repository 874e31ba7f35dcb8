from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from signals.retention import apply_retention


class Command(BaseCommand):
    help = "Erase personal data of closed cases and signals past their retention period."

    def handle(self, *args: Any, **options: Any) -> None:
        result = apply_retention()
        self.stdout.write(f"{result.cases_erased} cases and {result.signals_erased} loose signals erased.")
