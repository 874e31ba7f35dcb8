"""``python manage.py write_audit_checkpoint``: sign the chain heads into the checkpoint file now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from audit import checkpoints


class Command(BaseCommand):
    help = (
        "Append a signed checkpoint of every access-log chain head to AUDIT_CHECKPOINT_PATH"
        " (the beat does this every minute); nothing is written when no head moved."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        written = checkpoints.write()
        if written is None:
            self.stdout.write("No chain head moved since the last checkpoint; nothing written.")
        else:
            heads = len(written.heads)
            self.stdout.write(f"Checkpoint of {heads} chain heads written to {checkpoints.path()}.")
