"""Give the households filed before address search existed their address search keys."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from cases.matching import address_keys
from cases.models import SearchKey
from signals.models import Signal


class Command(BaseCommand):
    help = (
        "Write the address search keys (postcode + house number) of every household from its "
        "signals, where they are missing. Safe to run twice; erased signals are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000, help="signals per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        batch: int = options["batch"]
        written = 0
        last = None
        while True:
            signals = Signal.objects.filter(case__isnull=False, erased_at__isnull=True).order_by("pk")
            if last is not None:
                signals = signals.filter(pk__gt=last)
            rows = list(
                signals.select_related("case").only(
                    "pk", "postcode", "house_number", "house_number_addition", "case__household_id"
                )[:batch]
            )
            if not rows:
                break
            last = rows[-1].pk
            wanted = {
                (digest, row.case.household_id)
                for row in rows
                if row.case is not None
                for digest in address_keys(
                    row.postcode or "", row.house_number or "", row.house_number_addition or ""
                )
            }
            with transaction.atomic():
                held = set(
                    SearchKey.objects.filter(digest__in={d for d, _ in wanted}).values_list(
                        "digest", "household_id"
                    )
                )
                new = [SearchKey(digest=d, household_id=h) for d, h in wanted - held]
                SearchKey.objects.bulk_create(new)
            written += len(new)
        self.stdout.write(f"{written} address search keys written.")
