"""Re-encrypt every personal field that is not under the newest key."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from audit.services import record
from helpers.crypto import current_key_id, encrypted_fields, key_id_of
from signals.bulk import reseal_waiting_files


class Command(BaseCommand):
    help = (
        "Re-encrypt personal fields with the newest key in FIELD_ENCRYPTION_KEYS. "
        "Run after putting a new key first; remove the old key only after this finished."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        newest = current_key_id()
        total = 0
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if not fields:
                continue
            rotated = self._rotate_model(model, fields, newest, batch_size)
            if rotated:
                record(
                    actor=None,
                    event_type="write",
                    action="keys.rotate",
                    object_type=model._meta.label_lower,
                    detail={"rows": rotated, "key_id": newest},
                )
            self.stdout.write(f"{model._meta.label}: {rotated} rows re-encrypted")
            total += rotated
        # Bulk files waiting to be filed are sealed with the field keys too.
        files = reseal_waiting_files()
        if files:
            record(
                actor=None,
                event_type="write",
                action="keys.rotate",
                object_type="signals.bulkupload.file",
                detail={"files": files, "key_id": newest},
            )
        self.stdout.write(f"Bulk files waiting: {files} resealed")
        self.stdout.write(
            self.style.SUCCESS(f"Done: {total} rows and {files} files now under key {newest!r}.")
        )

    def _rotate_model(self, model: Any, fields: list[Any], newest: str, batch_size: int) -> int:
        rotated = 0
        pks = list(model._default_manager.values_list("pk", flat=True).order_by("pk"))
        for start in range(0, len(pks), batch_size):
            with transaction.atomic():
                rows = model._default_manager.select_for_update().filter(
                    pk__in=pks[start : start + batch_size]
                )
                for obj in rows.only("pk", *[f.attname for f in fields]):
                    stale = [
                        f
                        for f in fields
                        if (raw := f.raw_ciphertext(obj)) is not None and key_id_of(raw) != newest
                    ]
                    if not stale:
                        continue
                    for f in stale:  # decrypt under the old key, encrypt under the newest on save
                        setattr(obj, f.attname, getattr(obj, f.attname))
                    obj.save(update_fields=[f.name for f in stale])
                    rotated += 1
        return rotated
