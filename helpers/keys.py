"""Key material for field encryption, blind indexes and the audit chain.

Production (``DJANGO_DEBUG`` off) refuses to start without keys. In debug mode
missing keys are generated once and kept in a local file so that data written
yesterday can still be read today.
"""

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .env import env


@dataclass(frozen=True)
class KeyRing:
    # Newest first: the first key encrypts, all keys decrypt.
    field_keys: tuple[tuple[str, bytes], ...]
    blind_index_key: bytes
    audit_chain_key: bytes


def _b64(value: str, name: str) -> bytes:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not valid base64") from exc
    if len(raw) < 32:
        raise ImproperlyConfigured(f"{name} must hold at least 32 bytes")
    return raw


def parse_field_keys(value: str) -> tuple[tuple[str, bytes], ...]:
    keys: list[tuple[str, bytes]] = []
    for item in value.split(","):
        if not item.strip():
            continue
        key_id, sep, material = item.strip().partition(":")
        if not sep or not key_id or len(key_id) > 32:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS entries must look like 'id:base64'")
        raw = _b64(material, f"FIELD_ENCRYPTION_KEYS[{key_id}]")
        if len(raw) != 32:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be 32-byte AES-256 keys")
        keys.append((key_id, raw))
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds no key")
    if len({key_id for key_id, _ in keys}) != len(keys):
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS has a duplicate key id")
    return tuple(keys)


def _development_keys(path: Path) -> dict[str, str]:
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        return stored
    generated = {
        "FIELD_ENCRYPTION_KEYS": "dev1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "BLIND_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "AUDIT_CHAIN_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "SECRET_KEY": secrets.token_urlsafe(50),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(generated, handle)
    return generated


def load(debug: bool, dev_key_file: Path) -> tuple[KeyRing, str]:
    """Return the key ring and Django's SECRET_KEY."""
    values = {
        name: env(name)
        for name in ("FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "AUDIT_CHAIN_KEY", "SECRET_KEY")
    }
    required = ("FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "SECRET_KEY")
    missing = [name for name in required if not values[name]]
    if missing:
        if not debug:
            raise ImproperlyConfigured(
                "Missing secrets: " + ", ".join(missing) + " (set them or NAME_FILE; see SECURITY.md)"
            )
        dev = _development_keys(dev_key_file)
        values = {name: values[name] or dev.get(name) for name in values}
    blind = _b64(values["BLIND_INDEX_KEY"] or "", "BLIND_INDEX_KEY")
    # The audit chain key defaults to a key derived from the blind-index key:
    # both must stay stable for the lifetime of the data.
    audit_raw = values["AUDIT_CHAIN_KEY"]
    if audit_raw:
        audit_key = _b64(audit_raw, "AUDIT_CHAIN_KEY")
    else:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        audit_key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"schakelpunt audit chain"
        ).derive(blind)
    ring = KeyRing(
        field_keys=parse_field_keys(values["FIELD_ENCRYPTION_KEYS"] or ""),
        blind_index_key=blind,
        audit_chain_key=audit_key,
    )
    return ring, values["SECRET_KEY"] or ""
