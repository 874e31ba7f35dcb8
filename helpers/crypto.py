"""Field encryption and blind indexes: the one place that touches key material.

Personal fields are stored as AES-256-GCM ciphertext. The associated data binds
each ciphertext to its table, column and row, so a value copied into another
row or column no longer decrypts. Each ciphertext names the key that made it,
so keys rotate: the newest key encrypts, every configured key decrypts, and
``rotate_field_keys`` re-encrypts old rows.

Blind indexes are keyed HMACs of normalised values, with a key separate from
the encryption keys, so equal values can be matched without storing them.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import io
import os
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

from .keys import KeyRing

_VERSION = 1
_NONCE_BYTES = 12


class DecryptionError(Exception):
    """A ciphertext could not be opened: wrong key, wrong row, or tampered."""


class Ciphertext(bytes):
    """Bytes read from an encrypted column, not yet decrypted."""


@cache
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)


# The key ring, read from settings once: a batch file encrypts hundreds of
# thousands of values, and each settings lookup goes through LazySettings.
# Cleared when a test (or anything else) changes the setting.
_ring: list[KeyRing] = []


def _key_ring() -> KeyRing:
    if not _ring:
        _ring.append(settings.SCHAKELPUNT_KEYS)
    return _ring[0]


@receiver(setting_changed)
def _forget_key_ring(*, setting: str, **kwargs: Any) -> None:
    if setting == "SCHAKELPUNT_KEYS":
        _ring.clear()


def _keys() -> tuple[tuple[str, bytes], ...]:
    return _key_ring().field_keys


def current_key_id() -> str:
    return _keys()[0][0]


def encrypt(plaintext: str, aad: bytes) -> bytes:
    key_id, key = _keys()[0]
    kid = key_id.encode()
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _aead(key).encrypt(nonce, plaintext.encode("utf-8"), aad)
    return bytes([_VERSION, len(kid)]) + kid + nonce + sealed


def key_id_of(blob: bytes) -> str:
    if len(blob) < 2 or blob[0] != _VERSION:
        raise DecryptionError("unknown ciphertext format")
    return blob[2 : 2 + blob[1]].decode()


def decrypt(blob: bytes, aad: bytes) -> str:
    key_id = key_id_of(blob)
    key = dict(_keys()).get(key_id)
    if key is None:
        raise DecryptionError(f"no key with id {key_id!r} is configured")
    start = 2 + blob[1]
    nonce, sealed = blob[start : start + _NONCE_BYTES], blob[start + _NONCE_BYTES :]
    try:
        return _aead(key).decrypt(nonce, sealed, aad).decode("utf-8")
    except Exception as exc:  # InvalidTag: wrong key, wrong binding or tampered bytes
        raise DecryptionError("ciphertext does not open with its key and binding") from exc


def blind_index(purpose: str, normalised: str) -> str:
    """Keyed HMAC of an already normalised value, 128 bits as hex."""
    key: bytes = _key_ring().blind_index_key
    digest = hmac.new(key, f"{purpose}\x00{normalised}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def binding(instance: models.Model, column: str) -> bytes:
    pk = instance.pk
    if pk is None:
        raise ValueError("encrypted fields need the primary key set before saving")
    # The row's text form once per row, not once per encrypted column.
    cached = instance.__dict__.get("_binding_pk")
    if cached is None or cached[0] != pk:
        cached = instance.__dict__["_binding_pk"] = (pk, str(pk))
    return f"{instance._meta.db_table}|{column}|{cached[1]}".encode()


class _EncryptedDescriptor:
    def __init__(self, field: EncryptedField) -> None:
        self.field = field
        self.cache_name = f"_plain_{field.attname}"

    def __get__(self, instance: models.Model | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        attname = self.field.attname
        if attname not in instance.__dict__:  # deferred: load it like Django would
            instance.refresh_from_db(fields=[attname])
        raw = instance.__dict__[attname]
        if not isinstance(raw, Ciphertext):
            return raw
        if self.cache_name not in instance.__dict__:
            plain = decrypt(raw, binding(instance, self.field.column))
            instance.__dict__[self.cache_name] = self.field.from_plaintext(plain)
        return instance.__dict__[self.cache_name]

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__.pop(self.cache_name, None)
        instance.__dict__[self.field.attname] = value


class EncryptedField(models.BinaryField[Any, Any]):
    """A personal field stored encrypted; reads decrypt lazily on attribute access.

    ``kind`` is ``"text"`` or ``"date"``. ``QuerySet.update()`` and
    ``bulk_update()`` bypass the encryption and must not be used on these
    columns; ``save()`` and ``bulk_create()`` are safe.
    """

    def __init__(self, *args: Any, kind: str = "text", **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.kind != "text":
            kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        setattr(cls, self.attname, _EncryptedDescriptor(self))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Ciphertext | None:
        if value is None:
            return None
        return Ciphertext(bytes(value))

    def to_plaintext(self, value: Any) -> str:
        if self.kind == "date":
            if not isinstance(value, datetime.date):
                raise TypeError(f"{self.name} expects a date")
            return value.isoformat()
        return str(value)

    def from_plaintext(self, plain: str) -> Any:
        if self.kind == "date":
            return datetime.date.fromisoformat(plain)
        return plain

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        raw = model_instance.__dict__.get(self.attname)
        if raw is None:
            return None
        if isinstance(raw, Ciphertext):  # unchanged since it was read
            return bytes(raw)
        return encrypt(self.to_plaintext(raw), binding(model_instance, self.column))

    def value_to_string(self, obj: models.Model) -> str:
        # Django's serialisers (dumpdata) would write plaintext or opaque bytes;
        # personal data leaves only through views that log the read.
        raise TypeError(f"{self.name} is encrypted and not serialised; declare the field explicitly")

    def raw_ciphertext(self, instance: models.Model) -> Ciphertext | None:
        raw = instance.__dict__.get(self.attname)
        return raw if isinstance(raw, Ciphertext) else None


def encrypted_fields(model: type[models.Model]) -> list[EncryptedField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]


# Files (bulk uploads) are sealed in chunks so they never sit in memory whole
# nor on disk in the clear. Each chunk is its own AES-GCM message; its
# associated data names the file, its index and whether it is the last, so
# chunks cannot be reordered, dropped or cut off unnoticed.
FILE_CHUNK_BYTES = 256 * 1024
_LENGTH_BYTES = 4


def _chunk_aad(binding: bytes, index: int, final: bool) -> bytes:
    return binding + f"|{index}|{int(final)}".encode()


def encrypt_chunks(chunks: Iterable[bytes], sink: BinaryIO, file_binding: bytes) -> int:
    """Write ``chunks`` to ``sink`` sealed under the newest key; returns plaintext bytes."""
    key_id, key = _keys()[0]
    kid = key_id.encode()
    sink.write(bytes([_VERSION, len(kid)]) + kid)
    aead = _aead(key)
    total = index = 0
    pending: bytes | None = None

    def seal(data: bytes, final: bool) -> None:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = aead.encrypt(nonce, data, _chunk_aad(file_binding, index, final))
        sink.write(len(sealed).to_bytes(_LENGTH_BYTES, "big") + nonce + sealed)

    buffer = bytearray()
    for chunk in chunks:
        total += len(chunk)
        buffer += chunk
        while len(buffer) >= FILE_CHUNK_BYTES:
            if pending is not None:
                seal(pending, final=False)
                index += 1
            pending, buffer = bytes(buffer[:FILE_CHUNK_BYTES]), buffer[FILE_CHUNK_BYTES:]
    if pending is not None:
        if buffer:
            seal(pending, final=False)
            index += 1
            seal(bytes(buffer), final=True)
        else:
            seal(pending, final=True)
    else:
        seal(bytes(buffer), final=True)
    return total


def file_key_id(source: BinaryIO) -> str:
    """The id of the key a file written by ``encrypt_chunks`` is sealed under (reads only its head)."""
    head = source.read(2)
    if len(head) < 2 or head[0] != _VERSION:
        raise DecryptionError("unknown file format")
    return source.read(head[1]).decode()


def decrypt_chunks(source: BinaryIO, file_binding: bytes) -> Iterator[bytes]:
    """The plaintext chunks of a file written by ``encrypt_chunks``, checked one by one."""
    head = source.read(2)
    if len(head) < 2 or head[0] != _VERSION:
        raise DecryptionError("unknown file format")
    key_id = source.read(head[1]).decode()
    key = dict(_keys()).get(key_id)
    if key is None:
        raise DecryptionError(f"no key with id {key_id!r} is configured")
    aead = _aead(key)
    index = 0
    while True:
        length_bytes = source.read(_LENGTH_BYTES)
        if len(length_bytes) < _LENGTH_BYTES:
            raise DecryptionError("file ends before its last chunk")
        nonce = source.read(_NONCE_BYTES)
        sealed = source.read(int.from_bytes(length_bytes, "big"))
        peek = source.read(1)
        final = peek == b""
        if not final:
            source.seek(-1, 1)
        try:
            yield aead.decrypt(nonce, sealed, _chunk_aad(file_binding, index, final))
        except Exception as exc:
            raise DecryptionError("file chunk does not open: tampered, reordered or cut off") from exc
        if final:
            return
        index += 1


class SealedReader(io.RawIOBase):
    """A file written by ``encrypt_chunks``, opened for reading with seeks.

    A zip file (an ``.xlsx`` upload) is read from its end first and then here
    and there; this reader opens only the chunks a read touches (each checked
    as ``decrypt_chunks`` checks it, the last few kept), so the plaintext is
    never on disk and never in memory whole.
    """

    _KEEP = 4  # chunks kept open: a zip reader goes back to its directory now and then

    def __init__(self, source: BinaryIO, file_binding: bytes) -> None:
        super().__init__()
        self._source = source
        self._binding = file_binding
        head = source.read(2)
        if len(head) < 2 or head[0] != _VERSION:
            raise DecryptionError("unknown file format")
        key_id = source.read(head[1]).decode()
        key = dict(_keys()).get(key_id)
        if key is None:
            raise DecryptionError(f"no key with id {key_id!r} is configured")
        self._aead = _aead(key)
        self._start = 2 + head[1]
        record = _LENGTH_BYTES + _NONCE_BYTES + FILE_CHUNK_BYTES + 16
        body = source.seek(0, io.SEEK_END) - self._start
        if body < _LENGTH_BYTES + _NONCE_BYTES + 16:
            raise DecryptionError("file ends before its last chunk")
        self._record = record
        self._chunks = (body - 1) // record + 1
        last = body - (self._chunks - 1) * record - (_LENGTH_BYTES + _NONCE_BYTES + 16)
        self._size = (self._chunks - 1) * FILE_CHUNK_BYTES + last
        self._position = 0
        self._open: dict[int, bytes] = {}

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def _chunk(self, index: int) -> bytes:
        held = self._open.get(index)
        if held is not None:
            return held
        self._source.seek(self._start + index * self._record)
        length = int.from_bytes(self._source.read(_LENGTH_BYTES), "big")
        nonce = self._source.read(_NONCE_BYTES)
        sealed = self._source.read(length)
        final = index == self._chunks - 1
        try:
            plain = self._aead.decrypt(nonce, sealed, _chunk_aad(self._binding, index, final))
        except Exception as exc:
            raise DecryptionError("file chunk does not open: tampered, reordered or cut off") from exc
        if len(self._open) >= self._KEEP:
            self._open.pop(next(iter(self._open)))
        self._open[index] = plain
        return plain

    def readinto(self, buffer: Any) -> int:
        if self._position >= self._size:
            return 0
        index, offset = divmod(self._position, FILE_CHUNK_BYTES)
        data = self._chunk(index)[offset : offset + len(buffer)]
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)
