"""``python manage.py verify_audit_log``: check the access log's hash chains."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.integrity import DEFAULT_WORKERS
from audit.verification import run_now


class Command(BaseCommand):
    help = (
        "Verify the access log's hash chains against the database's chain heads and every signed"
        " checkpoint in AUDIT_CHECKPOINT_PATH; exits non-zero when entries were altered or removed."
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
        self.stdout.write(f"Checked {run.checked} access-log entries against {run.checkpoints} checkpoints.")
        for finding in run.findings:
            self.stdout.write(_describe(finding))
        if not run.ok:
            where = f"first bad entry id {run.first_bad}" if run.first_bad is not None else "entries removed"
            raise CommandError(f"The access log has been tampered with: {where}.")
        self.stdout.write(self.style.SUCCESS("Access log intact."))


def _describe(finding: dict[str, Any]) -> str:
    line = f"checkpoint file line {finding['line']}"
    match finding["problem"]:
        case "missing":
            return (
                f"Chain {finding['chain']} is shorter than {line} (seq {finding['checkpoint_seq']}):"
                f" entries from seq {finding['seq']} on are missing."
            )
        case "changed":
            return (
                f"Chain {finding['chain']} differs from {line} (seq {finding['checkpoint_seq']}):"
                f" changed from seq {finding['seq']} (entry id {finding.get('entry_id')}) at the latest."
            )
        case "bad_signature":
            return f"The signature of {line} does not check out."
    return f"{line} cannot be read."
