"""``python manage.py verify_audit_log``: check the access log's hash chains."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.integrity import DEFAULT_WORKERS
from audit.verification import run_now


class Command(BaseCommand):
    help = (
        "Verify the access log's hash chains; exits non-zero when entries were altered or removed."
        " The check is stored as a verification run, so the auditor's page and the API show it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers",
            type=int,
            default=DEFAULT_WORKERS,
            help="id ranges checked at once, by forked processes (default: %(default)s)",
        )
        parser.add_argument(
            "--chain", type=int, action="append", dest="chains", help="check only this chain (repeatable)"
        )

    def handle(self, *args: Any, workers: int, chains: list[int] | None, **options: Any) -> None:
        run = run_now(via="command", workers=workers, chains=sorted(set(chains)) if chains else None)
        self.stdout.write(f"Checked {run.checked} access-log entries.")
        if not run.ok:
            where = f"first bad entry id {run.first_bad}" if run.first_bad is not None else "entries removed"
            raise CommandError(f"The access log has been tampered with: {where}.")
        self.stdout.write(self.style.SUCCESS("Access log intact."))
