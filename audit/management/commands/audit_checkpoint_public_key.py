"""``python manage.py audit_checkpoint_public_key``: the key that checks the signed checkpoints."""

from __future__ import annotations

import base64
from typing import Any

from django.core.management.base import BaseCommand

from audit import checkpoints


class Command(BaseCommand):
    help = (
        "Print the Ed25519 public key (base64, raw 32 bytes) and key id of AUDIT_CHECKPOINT_KEY,"
        " for whoever checks the checkpoint file outside the service."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        public = checkpoints.public_key_bytes()
        self.stdout.write(f"{base64.b64encode(public).decode()} (key id {checkpoints.key_id(public)})")
