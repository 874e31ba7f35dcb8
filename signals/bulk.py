"""Bulk intake: a partner's monthly batch, filed in batches with the single-intake service.

The upload is sealed in chunks as it is stored and read back the same way,
so a 50 MB file never sits in memory whole nor in the clear on disk. Its
rows are cut into parts (``settings.BULK_PART_ROWS`` rows) that the Celery workers file side
by side, each in batches of ``BATCH_ROWS`` through ``file_signals``
(matching, idempotency by partner reference: the same file twice files
nothing new); each refused row is reported with its line number, field and
reason.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import itertools
import json
import logging
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from audit.services import record
from coordination.models import Role, User
from schakelpunt.crypto import decrypt_chunks, encrypt_chunks

from .models import BulkPart, BulkRowError, BulkUpload
from .serializers import SignalInputSerializer, SubjectSerializer, signal_types_by_code
from .services import Submission, file_signals

logger = logging.getLogger(__name__)

BATCH_ROWS = 1000  # rows filed, and progress shown, per transaction
RACE_RETRIES = 3
STALE_AFTER = datetime.timedelta(minutes=5)
SUBJECT_PREFIX = "subject_"
TOP_FIELDS = frozenset(SignalInputSerializer().fields) - {"subject"}
SUBJECT_FIELDS = frozenset(SubjectSerializer().fields)
KNOWN_COLUMNS = TOP_FIELDS | {SUBJECT_PREFIX + name for name in SUBJECT_FIELDS}


class BulkFileError(Exception):
    """The file as a whole cannot be read (not CSV/JSON lines, unknown columns, ...)."""


def _path(upload_id: uuid.UUID) -> Path:
    return Path(str(settings.BULK_UPLOAD_DIR)) / f"{upload_id}.sealed"


def _binding(upload_id: uuid.UUID) -> bytes:
    return f"signals_bulkupload|file|{upload_id}".encode()


def format_of(filename: str, first_bytes: bytes) -> str:
    lowered = filename.lower()
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return BulkUpload.Format.JSONL
    if lowered.endswith((".csv", ".txt")):
        return BulkUpload.Format.CSV
    return BulkUpload.Format.JSONL if first_bytes.lstrip().startswith(b"{") else BulkUpload.Format.CSV


def store_upload(*, actor: User, filename: str, chunks: Iterable[bytes], first_bytes: bytes) -> BulkUpload:
    """Seal the file to disk, create the upload and start processing after commit."""
    if not actor.has_role(Role.PARTNER) or actor.organisation_id is None:
        raise PermissionDenied(_("Alleen partners leveren signalen aan."))
    upload = BulkUpload(
        organisation_id=actor.organisation_id, uploaded_by=actor, format=format_of(filename, first_bytes)
    )
    path = _path(upload.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("wb") as sink:
            upload.size = encrypt_chunks(chunks, sink, _binding(upload.id))
        with transaction.atomic():
            upload.save(force_insert=True)
            record(
                actor=actor,
                role=Role.PARTNER,
                event_type="write",
                action="signal.bulk.upload",
                object_type="bulk_upload",
                object_id=str(upload.id),
                detail={"bytes": upload.size, "format": upload.format},
            )
            upload_id = str(upload.id)
            transaction.on_commit(lambda: _start(upload_id), robust=True)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return upload


def receive_file(*, actor: User, file: UploadedFile | None) -> BulkUpload:
    """Check a file posted to the API or the upload page, then ``store_upload`` it.

    A missing or too large file raises ``ValidationError({"file": [...]})``;
    what is wrong inside the file shows in the upload's progress afterwards.
    """
    if file is None:
        raise ValidationError({"file": [_("Voeg een CSV- of JSON-lines-bestand toe.")]})
    limit = settings.BULK_UPLOAD_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise ValidationError({"file": [_("Het bestand is te groot: maximaal %s.") % filesizeformat(limit)]})
    first_bytes = file.read(64)
    file.seek(0)
    return store_upload(
        actor=actor, filename=file.name or "", chunks=iter_uploaded(file), first_bytes=first_bytes
    )


def _start(upload_id: str) -> None:
    from .tasks import process_bulk_upload

    process_bulk_upload.delay(upload_id)


def _text_lines(upload: BulkUpload) -> Iterator[str]:
    """The file's lines, decrypted and decoded incrementally."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    pending = ""
    with _path(upload.id).open("rb") as source:
        for chunk in decrypt_chunks(source, _binding(upload.id)):
            try:
                pending += decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise BulkFileError(_("Het bestand is geen UTF-8-tekst.")) from exc
            *lines, pending = pending.split("\n")
            yield from (line + "\n" for line in lines)
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def _rows(upload: BulkUpload, skip: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, flat row) for every data row of the file after the first ``skip``.

    Skipped rows are only parsed far enough to be counted: a part near the
    end of a large file passes over the rows before it quickly.
    """
    lines = _text_lines(upload)
    if upload.format == BulkUpload.Format.CSV:
        reader = csv.DictReader(lines)
        unknown = sorted(set(reader.fieldnames or []) - KNOWN_COLUMNS)
        if not reader.fieldnames:
            raise BulkFileError(_("Het bestand is leeg."))
        if unknown:
            raise BulkFileError(_("Onbekende kolommen: %s") % ", ".join(unknown))
        while skip > 0:
            passed = next(reader.reader, None)
            if passed is None:
                return
            if passed:  # as DictReader counts: a blank line ([]) is not a row
                skip -= 1
        for row in reader:
            if None in row:
                yield reader.line_num, {"__error__": _("De regel heeft meer velden dan de kop.")}
                continue
            yield reader.line_num, {k: v for k, v in row.items() if v is not None and v.strip() != ""}
        return
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if skip > 0:
            skip -= 1
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            yield number, {"__error__": _("Deze regel is geen geldige JSON.")}
            continue
        if not isinstance(value, dict):
            yield number, {"__error__": _("Elke regel moet een JSON-object zijn.")}
            continue
        yield number, value


def payload(row: dict[str, Any]) -> dict[str, Any]:
    """A flat row (CSV columns, or JSON with flat or nested subject) as the API's nested payload."""
    data: dict[str, Any] = {}
    subject: dict[str, Any] = dict(row.get("subject") or {}) if isinstance(row.get("subject"), dict) else {}
    for key, value in row.items():
        if key == "subject" and isinstance(value, dict):
            continue
        if key.startswith(SUBJECT_PREFIX):
            subject[key.removeprefix(SUBJECT_PREFIX)] = value
        else:
            data[key] = value
    data["subject"] = subject
    return data


def flatten_errors(errors: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = f"{prefix}{key}" if key != "non_field_errors" else (prefix.rstrip("_") or key)
            yield from flatten_errors(value, f"{name}_" if isinstance(value, dict) else name)
    elif isinstance(errors, list):
        for item in errors:
            yield from flatten_errors(item, prefix)
    else:
        yield prefix or "non_field_errors", str(errors)


def _check_row(row: dict[str, Any], validator: SignalInputSerializer) -> Submission | list[tuple[str, str]]:
    """The row as a submission, or its problems as (field, reason) pairs.

    One validator serves every row: the API's serializer, with its fields
    built once instead of once per row.
    """
    if "__error__" in row:
        return [("row", row["__error__"])]
    try:
        return Submission(data=validator.run_validation(payload(row)))
    except ValidationError as exc:
        return list(flatten_errors(exc.detail))


def process_upload(upload_id: uuid.UUID) -> BulkUpload:
    """Start processing an upload: count and check its rows, cut them into parts and
    hand each part to a task (``process_part``). Safe to call again: a
    redelivered task hands on the parts that are not done."""
    claimed = _claim(BulkUpload, upload_id)
    upload = BulkUpload.objects.get(pk=upload_id)
    if not claimed:
        return upload  # done, failed, or being processed
    if upload.total is None:
        try:
            total = sum(1 for _ in _rows(upload))  # reads the whole file: file-level errors show here
        except BulkFileError as exc:
            _fail(upload, exc)
            return upload
        with transaction.atomic():
            BulkUpload.objects.filter(pk=upload.pk).update(total=total)
            size = max(1, int(settings.BULK_PART_ROWS))
            BulkPart.objects.bulk_create(
                BulkPart(upload=upload, first_row=first, last_row=min(first + size - 1, total))
                for first in range(1, total + 1, size)
            )
    waiting = list(upload.parts.exclude(state=BulkPart.State.DONE).values_list("pk", flat=True))
    for part_id in waiting:
        _start_part(part_id)
    _finish_if_complete(upload.pk)
    upload.refresh_from_db()
    return upload


def _claim(model: type[BulkUpload] | type[BulkPart], pk: Any) -> bool:
    """Claim an upload or a part when pending, or when the worker that had it
    stopped sending signs of life (a redelivered task after a crash): never
    by two at once."""
    stale = timezone.now() - STALE_AFTER
    return bool(
        model.objects.filter(pk=pk)
        .filter(Q(state="pending") | Q(state="processing", started_at__lt=stale))
        .update(state="processing", started_at=timezone.now())
    )


def _start_part(part_id: int) -> None:
    from .tasks import process_bulk_part

    process_bulk_part.delay(part_id)


def process_part(part_id: int) -> BulkPart:
    """File one part's rows; safe to call again (resumes after its last filed batch)."""
    claimed = _claim(BulkPart, part_id)
    part = BulkPart.objects.select_related("upload", "upload__uploaded_by").get(pk=part_id)
    if not claimed or part.upload.state != BulkUpload.State.PROCESSING:
        return part
    try:
        _process_rows(part)
    except BulkFileError as exc:
        _fail(part.upload, exc)
        return part
    BulkPart.objects.filter(pk=part.pk).update(state=BulkPart.State.DONE)
    _finish_if_complete(part.upload_id)
    part.refresh_from_db()
    return part


def _fail(upload: BulkUpload, exc: BulkFileError) -> None:
    BulkUpload.objects.filter(pk=upload.pk).update(
        state=BulkUpload.State.FAILED, failure=str(exc)[:500], finished_at=timezone.now()
    )
    _path(upload.id).unlink(missing_ok=True)


def _finish_if_complete(upload_id: uuid.UUID) -> None:
    """Mark the upload done once all its parts are; the last part to finish does it."""
    with transaction.atomic():
        upload = BulkUpload.objects.select_for_update().get(pk=upload_id)
        if upload.state != BulkUpload.State.PROCESSING or upload.total is None:
            return
        if upload.parts.exclude(state=BulkPart.State.DONE).exists():
            return
        upload.state = BulkUpload.State.DONE
        upload.finished_at = timezone.now()
        upload.save(update_fields=["state", "finished_at"])
    _path(upload.id).unlink(missing_ok=True)


def _process_rows(part: BulkPart) -> None:
    """File the part's rows in batches: each batch's signals, errors and progress commit
    together, so a crash redoes at most one batch (and filing it again files nothing twice)."""
    upload = part.upload
    actor = upload.uploaded_by
    validator = SignalInputSerializer(context={"signal_types": signal_types_by_code()})
    resume_at = part.first_row + part.processed
    rows = itertools.islice(_rows(upload, skip=resume_at - 1), part.last_row - resume_at + 1)
    while True:
        batch = list(itertools.islice(rows, BATCH_ROWS))
        if not batch:
            return
        submissions: list[Submission] = []
        errors: list[BulkRowError] = []
        for line, row in batch:
            checked = _check_row(row, validator)
            if isinstance(checked, Submission):
                submissions.append(checked)
                continue
            errors.extend(
                BulkRowError(upload=upload, row=line, field=field[:64], message=message[:300])
                for field, message in checked
            )
        rejected = len({e.row for e in errors})
        for attempt in range(RACE_RETRIES + 1):
            try:
                with transaction.atomic():
                    _file_batch(part, actor, submissions, errors, len(batch), rejected)
                break
            except (IntegrityError, OperationalError) as exc:
                # Parts of one file filed side by side may race on one household
                # or one partner reference; the batch is filed again, finding
                # what the other part committed.
                if attempt == RACE_RETRIES or not _is_race(exc):
                    raise


def _is_race(exc: Exception) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) in {"23505", "40P01", "40001"}


def _file_batch(
    part: BulkPart,
    actor: User,
    submissions: list[Submission],
    errors: list[BulkRowError],
    count: int,
    rejected: int,
) -> None:
    if submissions:
        file_signals(actor=actor, submissions=submissions)
    BulkRowError.objects.bulk_create(errors)
    BulkPart.objects.filter(pk=part.pk).update(processed=F("processed") + count, started_at=timezone.now())
    BulkUpload.objects.filter(pk=part.upload_id).update(
        processed=F("processed") + count,
        accepted=F("accepted") + len(submissions),
        rejected=F("rejected") + rejected,
        started_at=timezone.now(),  # a sign of life for the stale-claim check
    )


def read_progress(upload: BulkUpload) -> dict[str, Any]:
    return {
        "id": str(upload.id),
        "state": upload.state,
        "total": upload.total,
        "processed": upload.processed,
        "accepted": upload.accepted,
        "rejected": upload.rejected,
        "failure": upload.failure,
        "errors": [{"row": e.row, "field": e.field, "message": e.message} for e in upload.errors.all()],
    }


def uploads_for(actor: User) -> QuerySet[BulkUpload]:
    """The actor's organisation's uploads, newest first; nothing for anyone else."""
    if not actor.has_role(Role.PARTNER) or actor.organisation_id is None:
        return BulkUpload.objects.none()
    return BulkUpload.objects.filter(organisation_id=actor.organisation_id).order_by("-created_at", "id")


def upload_for(actor: User, upload_id: uuid.UUID) -> BulkUpload:
    """One of the actor's organisation's uploads, or 404 (also when it is another's)."""
    try:
        return uploads_for(actor).select_related("uploaded_by").get(pk=upload_id)
    except BulkUpload.DoesNotExist:
        raise Http404 from None


def iter_uploaded(file: Any) -> Iterator[bytes]:
    yield from file.chunks(chunk_size=io.DEFAULT_BUFFER_SIZE * 64)
