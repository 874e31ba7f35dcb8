"""Key material for field encryption, blind indexes, the audit chain and its checkpoints.

Production (``DJANGO_DEBUG`` off) refuses to start without keys. In debug mode
missing keys are generated once and kept in a local file so that data written
yesterday can still be read today.

Each key is its own secret: the audit chain key is not derived from the
blind-index key (whoever holds the application's environment for matching
must not be able to re-chain the log), and the checkpoint key is an Ed25519
private key (32 random bytes, base64) whose public half checks the signed
chain heads outside the database.
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
    # Ed25519 private key (the 32-byte seed) that signs the access log's checkpoints.
    audit_checkpoint_key: bytes = b""


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


def _random_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


SECRET_NAMES = (
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
    "AUDIT_CHAIN_KEY",
    "AUDIT_CHECKPOINT_KEY",
    "SECRET_KEY",
)
"""Every secret the service needs; production refuses to start without any of them."""


def _generate(name: str) -> str:
    if name == "FIELD_ENCRYPTION_KEYS":
        return "dev1:" + _random_key()
    if name == "SECRET_KEY":
        return secrets.token_urlsafe(50)
    return _random_key()


def _development_keys(path: Path) -> dict[str, str]:
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        added = {name: _generate(name) for name in SECRET_NAMES if name not in stored}
        if added:
            # A key file from before a secret existed gets that secret added;
            # the keys it already holds stay as they are.
            stored.update(added)
            replacement = path.with_name(path.name + ".new")
            fd = os.open(replacement, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(stored, handle)
            os.replace(replacement, path)
        return stored
    generated = {name: _generate(name) for name in SECRET_NAMES}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(generated, handle)
    return generated


def _checkpoint_key(value: str) -> bytes:
    raw = _b64(value, "AUDIT_CHECKPOINT_KEY")
    if len(raw) != 32:
        raise ImproperlyConfigured("AUDIT_CHECKPOINT_KEY must be a 32-byte Ed25519 private key (base64)")
    return raw


def load(debug: bool, dev_key_file: Path) -> tuple[KeyRing, str]:
    """Return the key ring and Django's SECRET_KEY."""
    values = {name: env(name) for name in SECRET_NAMES}
    missing = [name for name in SECRET_NAMES if not values[name]]
    if missing:
        if not debug:
            raise ImproperlyConfigured(
                "Missing secrets: " + ", ".join(missing) + " (set them or NAME_FILE; see SECURITY.md)"
            )
        dev = _development_keys(dev_key_file)
        values = {name: values[name] or dev.get(name) for name in values}
    blind = _b64(values["BLIND_INDEX_KEY"] or "", "BLIND_INDEX_KEY")
    chain = _b64(values["AUDIT_CHAIN_KEY"] or "", "AUDIT_CHAIN_KEY")
    if chain == blind:
        raise ImproperlyConfigured("AUDIT_CHAIN_KEY must differ from BLIND_INDEX_KEY")
    ring = KeyRing(
        field_keys=parse_field_keys(values["FIELD_ENCRYPTION_KEYS"] or ""),
        blind_index_key=blind,
        audit_chain_key=chain,
        audit_checkpoint_key=_checkpoint_key(values["AUDIT_CHECKPOINT_KEY"] or ""),
    )
    return ring, values["SECRET_KEY"] or ""
