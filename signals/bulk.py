"""Bulk intake: a partner's monthly batch, filed in batches with the single-intake service.

The upload is sealed in chunks as it is stored and read back the same way,
so a 50 MB file never sits in memory whole nor in the clear on disk. Its
rows are cut into parts (``settings.BULK_PART_ROWS`` rows) that the Celery workers file side
by side, each in batches of ``BATCH_ROWS`` through ``file_signals``
(matching, idempotency by partner reference: the same file twice files
nothing new and counts its rows as ``already_filed``; a reference used before
for other content refuses that row); each refused row is reported with its
line number, field and reason.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import io
import itertools
import json
import logging
import os
import traceback
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from audit.services import record
from coordination.models import Role, User
from helpers.crypto import SealedReader, current_key_id, decrypt_chunks, encrypt_chunks, file_key_id

from . import tabular
from .allowed import allowed_codes
from .models import BulkPart, BulkRowError, BulkUpload
from .serializers import SignalInputSerializer, SubjectSerializer, signal_types_by_code
from .services import Outcome, Submission, conflict_message, file_signals

logger = logging.getLogger(__name__)

BATCH_ROWS = 1000  # rows filed, and progress shown, per transaction
RACE_RETRIES = 3
ERRORS_PER_PAGE = 100  # refused rows per page of GET /api/v1/signals/bulk/{id}/
SUBJECT_PREFIX = "subject_"
TOP_FIELDS = frozenset(SignalInputSerializer().fields) - {"subject"}
SUBJECT_FIELDS = frozenset(SubjectSerializer().fields)
KNOWN_COLUMNS = TOP_FIELDS | {SUBJECT_PREFIX + name for name in SUBJECT_FIELDS}


class BulkFileError(Exception):
    """The file as a whole cannot be read (not CSV/JSON lines, unknown columns, ...)."""


class _NotUtf8(Exception):
    """The CSV is not UTF-8: it is read again as Windows-1252."""


UTF8 = "utf-8-sig"  # with or without a byte-order mark
WINDOWS_1252 = "cp1252"
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an old .xls, or an .xlsx with a password


def _path(upload_id: uuid.UUID) -> Path:
    return Path(str(settings.BULK_UPLOAD_DIR)) / f"{upload_id}.sealed"


def _binding(upload_id: uuid.UUID) -> bytes:
    return f"signals_bulkupload|file|{upload_id}".encode()


def _rows_path(upload_id: uuid.UUID) -> Path:
    """An .xlsx's rows, read once from the workbook and sealed as JSON lines for the parts."""
    return Path(str(settings.BULK_UPLOAD_DIR)) / f"{upload_id}.rows.sealed"


def _rows_binding(upload_id: uuid.UUID) -> bytes:
    return f"signals_bulkupload|rows|{upload_id}".encode()


def _sealed_files(upload_id: uuid.UUID) -> list[tuple[Path, bytes]]:
    return [(_path(upload_id), _binding(upload_id)), (_rows_path(upload_id), _rows_binding(upload_id))]


def _remove_files(upload_id: uuid.UUID) -> None:
    for path, _unused in _sealed_files(upload_id):
        path.unlink(missing_ok=True)


def reseal_waiting_files() -> int:
    """Seal every stored file still waiting or being filed under the newest field key again.

    Part of ``rotate_field_keys``: after it, the old key can be removed without
    failing an upload in progress. The new file replaces the old one in one
    rename; a worker that already opened the old file reads it to the end.
    Returns how many files were resealed.
    """
    newest = current_key_id()
    resealed = 0
    waiting = BulkUpload.objects.filter(state__in=(BulkUpload.State.PENDING, BulkUpload.State.PROCESSING))
    for upload_id in waiting.values_list("pk", flat=True).iterator():
        for path, binding in _sealed_files(upload_id):
            try:
                with path.open("rb") as source:
                    if file_key_id(source) == newest:
                        continue
                    source.seek(0)
                    fresh = path.with_suffix(".resealing")
                    with fresh.open("wb") as sink:
                        encrypt_chunks(decrypt_chunks(source, binding), sink, binding)
                        sink.flush()
                        os.fsync(sink.fileno())
            except FileNotFoundError:
                continue  # finished (and removed) in the meantime, or never made
            os.replace(fresh, path)
            resealed += 1
    return resealed


def format_of(filename: str, first_bytes: bytes) -> str:
    lowered = filename.lower()
    if lowered.endswith((".xlsx", ".xlsm")) or first_bytes.startswith(XLSX_MAGIC):
        return BulkUpload.Format.XLSX
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
        organisation_id=actor.organisation_id,
        uploaded_by=actor,
        format=format_of(filename, first_bytes),
        language=translation.get_language() or "",
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
        raise ValidationError({"file": [_("Voeg een bestand toe: Excel (.xlsx), CSV of JSON lines.")]})
    limit = settings.BULK_UPLOAD_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise ValidationError({"file": [_("Het bestand is te groot: maximaal %s.") % filesizeformat(limit)]})
    first_bytes = file.read(64)
    file.seek(0)
    name = (file.name or "").lower()
    if first_bytes.startswith(OLE_MAGIC) or name.endswith((".xls", ".ods", ".numbers")):
        raise ValidationError(
            {
                "file": [
                    _(
                        "Dit bestand kan Schakelpunt niet lezen: sla het op als Excel-werkmap (.xlsx, "
                        "zonder wachtwoord) of als CSV en upload het opnieuw."
                    )
                ]
            }
        )
    return store_upload(
        actor=actor, filename=file.name or "", chunks=iter_uploaded(file), first_bytes=first_bytes
    )


def _start(upload_id: str) -> None:
    from .tasks import process_bulk_upload

    process_bulk_upload.delay(upload_id)


def _text_lines(upload: BulkUpload, encoding: str = UTF8, *, rows: bool = False) -> Iterator[str]:
    """The file's lines (with ``rows``: the .xlsx's rows file), decrypted and decoded incrementally.

    A line longer than ``settings.BULK_MAX_LINE_CHARS`` fails the file before
    it is held in memory whole. A file that is not UTF-8 raises ``_NotUtf8``
    (and is read again as Windows-1252).
    """
    limit = max(1, int(settings.BULK_MAX_LINE_CHARS)) if not rows else 1 << 30
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    pending = ""
    number = 0
    path, binding = (
        (_rows_path(upload.id), _rows_binding(upload.id)) if rows else (_path(upload.id), _binding(upload.id))
    )
    with path.open("rb") as source:
        for chunk in decrypt_chunks(source, binding):
            try:
                pending += decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                if encoding == UTF8:
                    raise _NotUtf8 from None
                raise BulkFileError(
                    _("Het bestand is geen tekst in UTF-8 of Windows-1252; sla het op als CSV (UTF-8).")
                ) from exc
            *lines, pending = pending.split("\n")
            for line in lines:
                number += 1
                if len(line) > limit:
                    raise _too_long(number, limit)
                yield line + "\n"
            if len(pending) > limit:
                raise _too_long(number + 1, limit)
    pending += decoder.decode(b"", final=True)
    if pending:
        if len(pending) > limit:
            raise _too_long(number + 1, limit)
        yield pending


def _too_long(line: int, limit: int) -> BulkFileError:
    return BulkFileError(
        _("Regel %(line)s is te lang: een regel mag hoogstens %(limit)s tekens hebben.")
        % {"line": line, "limit": limit}
    )


def _unreadable_csv(line: int, exc: csv.Error) -> BulkFileError:
    # The csv module's messages hold no row data, but they are English and
    # technical: the partner gets the line and a plain reason.
    if "NUL" in str(exc):
        return BulkFileError(_nul_in_line(line))
    return BulkFileError(_("Regel %s is geen geldige CSV.") % line)


def _nul_in_line(line: int) -> str:
    message = _("Regel %s bevat een NUL-teken (een onzichtbaar nulteken); haal het weg en upload opnieuw.")
    return message % line


def _csv_header(lines: Iterator[str]) -> tuple[Any, list[str], list[str | None]]:
    """The CSV reader (``;`` or ``,`` sniffed from the header), the header and its fields."""
    first = next(lines, None)
    if first is None or not first.strip():
        raise BulkFileError(_("Het bestand is leeg."))
    reader = csv.reader(itertools.chain([first], lines), delimiter=tabular.sniff_delimiter(first))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise _unreadable_csv(1, exc) from None
    if any("\x00" in name for name in header):
        raise BulkFileError(_nul_in_line(1))
    try:
        fields = tabular.map_header(header, KNOWN_COLUMNS, letters=False)
    except ValueError as exc:
        raise BulkFileError(str(exc)) from None
    return reader, header, fields


def _csv_rows(lines: Iterator[str], skip: int) -> Iterator[tuple[int, dict[str, Any]]]:
    reader, _header, fields = _csv_header(lines)
    width = len(fields)
    try:
        while skip > 0:
            passed = next(reader, None)
            if passed is None:
                return
            if passed:  # a blank line ([]) is not a row
                skip -= 1
        for record in reader:
            if not record:
                continue
            if len(record) > width and any(value.strip() for value in record[width:]):
                yield reader.line_num, {"__error__": _("De regel heeft meer velden dan de kop.")}
                continue
            row = {
                field: value
                for field, value in zip(fields, record, strict=False)
                if field is not None and value.strip() != ""
            }
            yield reader.line_num, tabular.clean_row(row)
    except csv.Error as exc:
        raise _unreadable_csv(reader.line_num, exc) from None


def _convert_xlsx(upload: BulkUpload) -> None:
    """Read the workbook once, as a stream, into a sealed file of JSON lines that the parts
    read quickly: its header (the columns as the file names them), then ``[line, row]``."""
    limit = int(settings.BULK_MAX_ROWS)
    cell_limit = max(1, int(settings.BULK_MAX_LINE_CHARS))

    def lines() -> Iterator[bytes]:
        with _path(upload.id).open("rb") as sealed, SealedReader(sealed, _binding(upload.id)) as plain:
            buffered = io.BufferedReader(plain, buffer_size=1 << 20)
            rows = tabular.xlsx_rows(buffered)
            fields: list[str | None] = []
            count = 0
            for line, values in rows:
                if not fields:
                    names = ["" if value is None else str(value) for value in values]
                    try:
                        fields = tabular.map_header(names, KNOWN_COLUMNS, letters=True)
                    except ValueError as exc:
                        raise BulkFileError(str(exc)) from None
                    header = {f: names[i].strip() for i, f in enumerate(fields) if f is not None}
                    yield json.dumps({"columns": header}).encode() + b"\n"
                    continue
                count += 1
                if count > limit:
                    raise _too_many_rows(limit)
                row: dict[str, Any] = {}
                for position, value in enumerate(values):
                    field = fields[position] if position < len(fields) else None
                    text = tabular.cell_text(field, value)
                    if text is None:
                        continue
                    if field is None:
                        row = {"__error__": _("De regel heeft meer velden dan de kop.")}
                        break
                    if len(text) > cell_limit:
                        row = {
                            "__error__": _("De cel in kolom %s is te lang.")
                            % tabular.column_name(position + 1, letters=True)
                        }
                        break
                    row[field] = text
                yield json.dumps([line, row], ensure_ascii=False).encode() + b"\n"
            if not fields:
                raise BulkFileError(_("Het bestand is leeg."))

    try:
        fresh = _rows_path(upload.id).with_suffix(".writing")
        with fresh.open("wb") as sink:
            encrypt_chunks(lines(), sink, _rows_binding(upload.id))
            sink.flush()
            os.fsync(sink.fileno())
    except tabular.XlsxError as exc:
        fresh.unlink(missing_ok=True)
        raise BulkFileError(str(exc)) from None
    except BaseException:
        fresh.unlink(missing_ok=True)
        raise
    os.replace(fresh, _rows_path(upload.id))


def _xlsx_rows(upload: BulkUpload, skip: int) -> Iterator[tuple[int, dict[str, Any]]]:
    lines = _text_lines(upload, "utf-8", rows=True)
    next(lines, None)  # the columns
    for text in lines:
        if skip > 0:
            skip -= 1
            continue
        line, row = json.loads(text)
        yield line, row if "__error__" in row else tabular.clean_row(row)


def columns_of(upload: BulkUpload) -> dict[str, str]:
    """Each field's column as the file names it (``achternaam`` for ``subject_surname``)."""
    try:
        if upload.format == BulkUpload.Format.XLSX:
            first = next(_text_lines(upload, "utf-8", rows=True), "")
            columns: dict[str, str] = json.loads(first)["columns"] if first else {}
            return columns
        if upload.format == BulkUpload.Format.CSV:
            _reader, header, fields = _csv_header(_text_lines(upload, upload.encoding or UTF8))
            return {field: header[i].strip().lstrip("\ufeff") for i, field in enumerate(fields) if field}
    except (BulkFileError, _NotUtf8, FileNotFoundError, ValueError, KeyError):
        pass
    return {}


MAX_JSON_DEPTH = 3  # a row object, its subject, nothing deeper


def _too_deep(value: Any) -> bool:
    """Whether a parsed JSON value nests deeper than a row may (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > MAX_JSON_DEPTH:
                    return True
                stack.append((child, depth + 1))
    return False


def _json_row(line: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except RecursionError:
        return {"__error__": _("Deze regel is te diep genest.")}
    except ValueError:  # not JSON, or a number too long to read
        return {"__error__": _("Deze regel is geen geldige JSON.")}
    if not isinstance(value, dict):
        return {"__error__": _("Elke regel moet een JSON-object zijn.")}
    if _too_deep(value):
        return {"__error__": _("Deze regel is te diep genest.")}
    return value


def _rows(
    upload: BulkUpload, skip: int = 0, encoding: str | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, flat row) for every data row of the file after the first ``skip``.

    Skipped rows are only parsed far enough to be counted: a part near the
    end of a large file passes over the rows before it quickly.
    """
    if upload.format == BulkUpload.Format.XLSX:
        yield from _xlsx_rows(upload, skip)
        return
    lines = _text_lines(upload, encoding or upload.encoding or UTF8)
    if upload.format == BulkUpload.Format.CSV:
        yield from _csv_rows(lines, skip)
        return
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if skip > 0:
            skip -= 1
            continue
        yield number, _json_row(line)


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


# A worker that loses its database (an outage, a restart) retries the task
# with backoff; the part resumes after its last committed batch.
RETRYABLE = (OperationalError, InterfaceError)


class PartBusy(Exception):
    """Another worker, still alive, is filing this part (or reading this upload) now."""


class ClaimLost(Exception):
    """The part was claimed by another task run, or its upload ended, while this one filed it."""


@contextlib.contextmanager
def _held(key: str) -> Iterator[bool]:
    """Hold a session-level PostgreSQL advisory lock on ``key`` while the block runs.

    The lock lives as long as the worker's database session: when a worker
    process is killed, its session ends and the lock is free at once, so a
    redelivered task resumes the part without waiting; while the worker lives,
    a duplicate of its task finds the lock taken. (SQLite, for local
    development only, has one writer anyway.)
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with contextlib.suppress(*RETRYABLE), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])


def _is_free(key: str) -> bool:
    """Whether no live session holds ``key`` (the lock is taken and given back at once)."""
    with _held(key) as held:
        return held


def _upload_key(upload_id: uuid.UUID | str) -> str:
    return f"signals.bulk.upload:{upload_id}"


def _part_key(part_id: int) -> str:
    return f"signals.bulk.part:{part_id}"


def process_upload(upload_id: uuid.UUID) -> BulkUpload:
    """Start processing an upload: count and check its rows, cut them into parts and
    hand each part to a task (``process_part``). Safe to call again: a
    redelivered task hands on the parts that no task has started.

    Raises ``PartBusy`` while another live worker is counting the upload.
    """
    with _held(_upload_key(upload_id)) as held:
        upload = BulkUpload.objects.get(pk=upload_id)
        ended = upload.state in (BulkUpload.State.DONE, BulkUpload.State.FAILED)
        if ended:
            return upload
        if not held:
            raise PartBusy
        try:
            with translation.override(upload.language or settings.LANGUAGE_CODE):
                return _split(upload)
        except RETRYABLE:
            raise
        except Exception as exc:
            _fail(upload.pk, _reason(exc))
            upload.refresh_from_db()
            return upload


def _split(upload: BulkUpload) -> BulkUpload:
    BulkUpload.objects.filter(pk=upload.pk, state=BulkUpload.State.PENDING).update(
        state=BulkUpload.State.PROCESSING, started_at=timezone.now()
    )
    if upload.total is None:
        try:
            if upload.format == BulkUpload.Format.XLSX:
                _convert_xlsx(upload)
            total, encoding = _count_rows(upload)  # reads the whole file: file-level errors show here
        except BulkFileError as exc:
            _fail(upload.pk, str(exc))
            upload.refresh_from_db()
            return upload
        now = timezone.now()
        with transaction.atomic():
            BulkUpload.objects.filter(pk=upload.pk).update(total=total, encoding=encoding)
            size = max(1, int(settings.BULK_PART_ROWS))
            BulkPart.objects.bulk_create(
                BulkPart(
                    upload=upload, first_row=first, last_row=min(first + size - 1, total), heartbeat_at=now
                )
                for first in range(1, total + 1, size)
            )
    waiting = upload.parts.filter(state=BulkPart.State.PENDING).values_list("pk", flat=True)
    for part_id in list(waiting):
        _start_part(part_id)
    _finish_if_complete(upload.pk)
    upload.refresh_from_db()
    return upload


def _too_many_rows(limit: int) -> BulkFileError:
    return BulkFileError(_("Het bestand heeft meer dan %s regels; splits het in kleinere bestanden.") % limit)


def _count_rows(upload: BulkUpload) -> tuple[int, str]:
    """The number of data rows, and the text encoding the parts read the file in."""
    limit = int(settings.BULK_MAX_ROWS)
    for encoding in (UTF8, WINDOWS_1252):
        total = 0
        try:
            for _row in _rows(upload, encoding=encoding):
                total += 1
                if total > limit:
                    raise _too_many_rows(limit)
        except _NotUtf8:
            continue
        return total, encoding if upload.format == BulkUpload.Format.CSV else ""
    raise AssertionError("Windows-1252 does not raise _NotUtf8")


def _start_part(part_id: int) -> None:
    from .tasks import process_bulk_part

    process_bulk_part.delay(part_id)


def process_part(part_id: int) -> BulkPart:
    """File one part's rows; safe to call again (resumes after its last committed batch).

    A redelivered task, after its worker was killed, claims the part at once:
    the dead worker's lock went with its database session. Raises
    ``PartBusy`` when a live worker is filing the part; database errors
    (``RETRYABLE``) propagate so that the task is retried. Any other failure
    fails the part and the upload with a plain reason.
    """
    with _held(_part_key(part_id)) as held:
        part = BulkPart.objects.select_related("upload", "upload__uploaded_by", "upload__organisation").get(
            pk=part_id
        )
        open_states = (BulkPart.State.PENDING, BulkPart.State.PROCESSING)
        if part.state not in open_states or part.upload.state != BulkUpload.State.PROCESSING:
            return part
        if not held:
            raise PartBusy
        token = uuid.uuid4()
        now = timezone.now()
        BulkPart.objects.filter(pk=part_id).update(
            state=BulkPart.State.PROCESSING, claim=token, heartbeat_at=now, started_at=now
        )
        part.refresh_from_db()
        try:
            with translation.override(part.upload.language or settings.LANGUAGE_CODE):
                _process_rows(part, token)
        except RETRYABLE:
            raise
        except ClaimLost:
            part.refresh_from_db()
            return part
        except Exception as exc:
            _fail(part.upload_id, _reason(exc), part_id=part.pk)
            part.refresh_from_db()
            return part
        BulkPart.objects.filter(pk=part.pk, claim=token).update(state=BulkPart.State.DONE)
        _finish_if_complete(part.upload_id)
        part.refresh_from_db()
        return part


def _reason(exc: BaseException) -> str:
    """A plain reason for the partner; the technical detail goes to the log without row data."""
    if isinstance(exc, BulkFileError):
        return str(exc)
    if isinstance(exc, PermissionDenied):
        return _("Wie dit bestand uploadde, mag geen signalen (meer) doorgeven.")
    if isinstance(exc, FileNotFoundError):
        reason = _("Het opgeslagen bestand is niet meer beschikbaar; upload het opnieuw.")
    else:
        reason = _(
            "Het bestand kon door een storing bij Schakelpunt niet verder worden verwerkt. "
            "Regels die al zijn doorgegeven, blijven doorgegeven; upload het bestand opnieuw "
            "om de rest door te geven."
        )
    # Only the exception's type and where it was raised: its message may quote row data.
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    logger.error(
        "bulk upload processing failed: %s at %s",
        type(exc).__name__,
        ", ".join(f"{frame.filename}:{frame.lineno}" for frame in where),
    )
    return reason


def _fail(upload_id: uuid.UUID, reason: str, part_id: int | None = None) -> None:
    """End the upload as failed, with the reason the partner sees, and remove its file."""
    with transaction.atomic():
        if part_id is not None:
            BulkPart.objects.filter(pk=part_id).update(state=BulkPart.State.FAILED)
        BulkUpload.objects.filter(
            pk=upload_id, state__in=(BulkUpload.State.PENDING, BulkUpload.State.PROCESSING)
        ).update(state=BulkUpload.State.FAILED, failure=_clean(reason, 500), finished_at=timezone.now())
    _remove_files(upload_id)


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
    _remove_files(upload.id)


def _process_rows(part: BulkPart, token: uuid.UUID) -> None:
    """File the part's rows in batches: each batch's signals, errors and progress commit
    together, so a crash redoes at most one batch (and filing it again files nothing twice)."""
    upload = part.upload
    actor = upload.uploaded_by
    validator = SignalInputSerializer(
        context={"signal_types": signal_types_by_code(), "allowed_types": allowed_codes(upload.organisation)}
    )
    columns = columns_of(upload)
    resume_at = part.first_row + part.processed
    rows = itertools.islice(_rows(upload, skip=resume_at - 1), part.last_row - resume_at + 1)
    while True:
        batch = list(itertools.islice(rows, BATCH_ROWS))
        if not batch:
            return
        lines: list[int] = []
        submissions: list[Submission] = []
        refused: dict[int, list[tuple[str, str]]] = {}
        for line, row in batch:
            checked = _check_row(row, validator)
            if isinstance(checked, Submission):
                lines.append(line)
                submissions.append(checked)
            else:
                refused[line] = checked
        for attempt in range(RACE_RETRIES + 1):
            try:
                with transaction.atomic():
                    _file_batch(part, token, actor, lines, submissions, dict(refused), len(batch), columns)
                break
            except (IntegrityError, OperationalError) as exc:
                # Parts of one file filed side by side may race on one household
                # or one partner reference; the batch is filed again, finding
                # what the other part committed.
                if attempt == RACE_RETRIES or not _is_race(exc):
                    raise


def _is_race(exc: Exception) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) in {"23505", "40P01", "40001"}


def _clean(text: str, length: int) -> str:
    # A reason may quote the file's own text; PostgreSQL text holds no NUL.
    return text.replace("\x00", "")[:length]


def _file_batch(
    part: BulkPart,
    token: uuid.UUID,
    actor: User,
    lines: list[int],
    submissions: list[Submission],
    refused: dict[int, list[tuple[str, str]]],
    count: int,
    columns: dict[str, str],
) -> None:
    now = timezone.now()
    # The fence: only the task run holding the claim moves the part on.
    if not BulkPart.objects.filter(pk=part.pk, claim=token).update(
        processed=F("processed") + count, heartbeat_at=now
    ):
        raise ClaimLost
    new = replayed = 0
    if submissions:
        for line, filing in zip(lines, file_signals(actor=actor, submissions=submissions), strict=True):
            if filing.outcome is Outcome.CREATED:
                new += 1
            elif filing.outcome is Outcome.REPLAYED:
                replayed += 1
            else:  # the line's reference was used before for other content
                refused[line] = [(filing.conflict_field or "partner_reference", conflict_message(filing))]
    upload = (
        BulkUpload.objects.select_for_update()
        .filter(pk=part.upload_id, state=BulkUpload.State.PROCESSING)
        .only("errors_stored")
        .first()
    )
    if upload is None:  # failed meanwhile: this part stops, its batch undone
        raise ClaimLost
    errors = [
        BulkRowError(
            upload_id=part.upload_id,
            row=line,
            field=_clean(field, 64),
            column=_clean(columns.get(field, "" if field == "row" else field), 64),
            message=_clean(message, 300),
        )
        for line in sorted(refused)
        for field, message in refused[line]
    ]
    room = max(0, int(settings.BULK_MAX_STORED_ERRORS) - upload.errors_stored)
    BulkRowError.objects.bulk_create(errors[:room])
    BulkUpload.objects.filter(pk=part.upload_id).update(
        processed=F("processed") + count,
        accepted=F("accepted") + new,
        already_filed=F("already_filed") + replayed,
        rejected=F("rejected") + len(refused),
        errors_stored=F("errors_stored") + len(errors[:room]),
        errors_not_stored=F("errors_not_stored") + len(errors[room:]),
    )


def resume_stalled() -> int:
    """Hand on what stopped moving: parts whose heartbeat is older than
    ``settings.BULK_STALL_SECONDS`` and that no live worker holds, uploads
    that were never cut into parts, uploads whose parts are all done. Run by
    the beat every minute; returns the number of tasks sent."""
    stale = timezone.now() - datetime.timedelta(seconds=int(settings.BULK_STALL_SECONDS))
    sent = 0
    moving = BulkPart.objects.filter(
        upload_id=OuterRef("upload_id"), state=BulkPart.State.PROCESSING, heartbeat_at__gte=stale
    )
    open_parts = (
        BulkPart.objects.filter(
            state__in=(BulkPart.State.PENDING, BulkPart.State.PROCESSING),
            upload__state=BulkUpload.State.PROCESSING,
        )
        # No heartbeat at all: a part cut before the heartbeat was kept.
        .filter(Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True))
        # A part not yet started while another part of its file moves is only
        # waiting in the queue behind it: sending it again would add a no-op.
        .filter(Q(state=BulkPart.State.PROCESSING) | ~Exists(moving))
        .order_by("heartbeat_at")
    )
    for part_id in list(open_parts.values_list("pk", flat=True)[:500]):
        if _is_free(_part_key(part_id)):
            # Pushed forward so the next runs do not send it again while it waits in the queue.
            BulkPart.objects.filter(pk=part_id).update(heartbeat_at=timezone.now())
            _start_part(part_id)
            sent += 1
    unsplit = BulkUpload.objects.filter(
        Q(state=BulkUpload.State.PENDING, created_at__lt=stale)
        | Q(state=BulkUpload.State.PROCESSING, total__isnull=True, started_at__lt=stale)
    )
    for upload_id in list(unsplit.values_list("pk", flat=True)[:100]):
        if _is_free(_upload_key(upload_id)):
            BulkUpload.objects.filter(pk=upload_id).update(started_at=timezone.now())
            _start(str(upload_id))
            sent += 1
    complete = BulkUpload.objects.filter(state=BulkUpload.State.PROCESSING, total__isnull=False).exclude(
        parts__state__in=(BulkPart.State.PENDING, BulkPart.State.PROCESSING, BulkPart.State.FAILED)
    )
    for upload_id in list(complete.values_list("pk", flat=True)[:100]):
        _finish_if_complete(upload_id)
    _remove_ended_files()
    return sent


def _remove_ended_files() -> None:
    """Remove sealed files whose upload has ended (a worker stopped between the two)."""
    folder = Path(str(settings.BULK_UPLOAD_DIR))
    if not folder.is_dir():
        return
    found: dict[uuid.UUID, Path] = {}
    for path in folder.glob("*.sealed"):
        with contextlib.suppress(ValueError):
            found[uuid.UUID(path.name.split(".")[0])] = path
    ended = BulkUpload.objects.filter(
        pk__in=list(found), state__in=(BulkUpload.State.DONE, BulkUpload.State.FAILED)
    ).values_list("pk", flat=True)
    for upload_id in ended:
        _remove_files(upload_id)


def read_progress(upload: BulkUpload, page: int = 1) -> dict[str, Any]:
    """The upload's progress and one page (``ERRORS_PER_PAGE``) of its refused rows."""
    stored = upload.errors_stored
    pages = max(1, -(-stored // ERRORS_PER_PAGE))
    if page < 1 or page > pages:
        raise Http404
    first = (page - 1) * ERRORS_PER_PAGE
    errors = upload.errors.all()[first : first + ERRORS_PER_PAGE]
    return {
        "id": str(upload.id),
        "state": upload.state,
        "total": upload.total,
        "processed": upload.processed,
        "accepted": upload.accepted,
        "already_filed": upload.already_filed,
        "rejected": upload.rejected,
        "failure": upload.failure,
        "errors": [
            {"row": e.row, "field": e.field, "column": e.column, "message": e.message} for e in errors
        ],
        "errors_page": page,
        "errors_pages": pages,
        "errors_count": stored,
        "errors_not_stored": upload.errors_not_stored,
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
