"""``python manage.py verify_audit_log``: check the access log's hash chains."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.integrity import DEFAULT_WORKERS
from audit.services import verify_log


class Command(BaseCommand):
    help = "Verify the access log's hash chains; exits non-zero when entries were altered or removed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers",
            type=int,
            default=DEFAULT_WORKERS,
            help="chain groups checked at once (default: %(default)s)",
        )
        parser.add_argument(
            "--chain", type=int, action="append", dest="chains", help="check only this chain (repeatable)"
        )

    def handle(self, *args: Any, workers: int, chains: list[int] | None, **options: Any) -> None:
        result = verify_log(actor=None, workers=workers, chains=chains, via="command")
        self.stdout.write(f"Checked {result.checked} access-log entries.")
        if not result.ok:
            where = (
                f"first bad entry id {result.first_bad}"
                if result.first_bad is not None
                else "entries removed"
            )
            raise CommandError(f"The access log has been tampered with: {where}.")
        self.stdout.write(self.style.SUCCESS("Access log intact."))
