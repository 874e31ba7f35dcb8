"""Signed checkpoints of the access log's chain heads, kept outside the database.

The hash chains (``audit.chain``) show any edit or gap among the entries that
are left, and the chain heads show deleted newest entries — as long as nobody
moves a head back. Someone with superuser rights on the database can do that
(switching the append-only triggers off), and someone who also holds the chain
key can rewrite a chain from any entry on and chain it again. Neither can undo
what has already left the database: every minute (the beat's
``audit.tasks.write_checkpoint``) and at the start of every integrity check,
the heads (chain, seq, hash) are written as one line signed with an Ed25519
key of their own (``AUDIT_CHECKPOINT_KEY``) to a file that is only ever
appended to and synced (``AUDIT_CHECKPOINT_PATH``), to be shipped to
write-once storage (SECURITY.md).

The check (``audit.integrity.verify``) reads every checkpoint and compares
the database with it: each chain must still hold the entry a checkpoint names,
with the same hash. An entry's hash covers its predecessor's, so one matching
hash vouches for the whole chain up to it; a chain that is shorter than a
checkpoint is reported with its first missing entry, a chain that differs
with the first entry after the last checkpoint it still matches. A line whose
signature does not check out is reported and its heads are not used.

A line: ``{"v": 1, "at": "<ISO time>", "key": "<key id>", "heads": [[chain,
seq, hash], ...], "sig": "<base64 Ed25519 signature>"}``; the signature
covers the line's canonical JSON without ``sig``. It holds no personal data.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Max
from django.utils import timezone

from .models import AccessEvent, ChainHead

VERSION = 1
_BATCH = 5_000
"""Checkpointed seqs looked up per query."""
_TAIL = 64 * 1024
"""Bytes read back from the end of the file to find its last line."""


@dataclass(frozen=True)
class Finding:
    """One thing a check found against the checkpoints; ids and numbers only.

    ``problem``: ``missing`` (the chain is shorter than checkpoint ``line``
    says; ``seq`` is its first missing entry and ``entry_id`` the last entry
    left), ``changed`` (the chain no longer holds the hash the checkpoint
    names; ``seq``/``entry_id`` is the first entry after the last checkpoint
    it still matches), ``bad_signature`` or ``unreadable`` (the line
    ``line`` cannot be trusted).
    """

    problem: str
    line: int
    chain: int | None = None
    seq: int | None = None
    entry_id: int | None = None
    checkpoint_seq: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: value for name, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class Checkpoint:
    line: int
    at: str
    heads: tuple[tuple[int, int, str], ...]


@dataclass(frozen=True)
class Loaded:
    """What the checkpoint file holds: the lines that check out, and findings about the rest."""

    checkpoints: tuple[Checkpoint, ...]
    findings: tuple[Finding, ...]


# Keys.


def private_key() -> Ed25519PrivateKey:
    seed: bytes = settings.SCHAKELPUNT_KEYS.audit_checkpoint_key
    if len(seed) != 32:
        raise ImproperlyConfigured("AUDIT_CHECKPOINT_KEY is not set")
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_bytes() -> bytes:
    """The raw public key: what an outside verifier needs (``audit_checkpoint_public_key``)."""
    return private_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()[:16]


def _public_keys() -> dict[str, Ed25519PublicKey]:
    """The keys whose checkpoints are accepted: the current one, and earlier ones kept
    in ``AUDIT_CHECKPOINT_PUBLIC_KEYS`` after a rotation (base64, comma-separated)."""
    raw = [public_key_bytes()]
    for item in getattr(settings, "AUDIT_CHECKPOINT_PUBLIC_KEYS", []):
        raw.append(base64.b64decode(item, validate=True))
    return {key_id(key): Ed25519PublicKey.from_public_bytes(key) for key in raw}


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


# Writing.


def path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_PATH)


def current_heads() -> list[tuple[int, int, str]]:
    """The committed heads of every chain that has entries, in chain order."""
    return [
        (int(chain), int(seq), str(head_hash))
        for chain, seq, head_hash in ChainHead.objects.filter(seq__gt=0)
        .order_by("chain")
        .values_list("chain", "seq", "hash")
    ]


def write() -> Checkpoint | None:
    """Append a signed checkpoint of every chain head and sync it to disk.

    Nothing is written while no chain has entries, nor when the file's last
    line (with a good signature) already names exactly these heads: an idle
    log does not grow the file by a line a minute. Appends from several
    processes take turns on a file lock, so lines never interleave.
    """
    heads = current_heads()
    if not heads:
        return None
    target = path()
    created = not target.exists()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        last = _last_line(fd)
        keys = _public_keys()
        if last is not None:
            previous = _parse(last, 0, keys)
            if isinstance(previous, Checkpoint) and list(previous.heads) == heads:
                return None
        private = private_key()
        record: dict[str, Any] = {
            "v": VERSION,
            "at": timezone.now().isoformat(),
            "key": key_id(public_key_bytes()),
            "heads": [list(head) for head in heads],
        }
        record["sig"] = base64.b64encode(private.sign(_canonical(record))).decode()
        line = _canonical(record) + b"\n"
        if last is not None and not _ends_a_line(fd):
            # A line cut short by a crash stays (the check reports it); the new one starts afresh.
            line = b"\n" + line
        written = 0
        while written < len(line):  # one write() in practice; a short write goes on where it stopped
            written += os.write(fd, line[written:])
        os.fsync(fd)
    finally:
        os.close(fd)  # also releases the lock
    if created:
        _sync_directory(target.parent)
    return Checkpoint(line=0, at=str(record["at"]), heads=tuple(heads))


def _last_line(fd: int) -> bytes | None:
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    start = max(0, size - _TAIL)
    tail = os.pread(fd, size - start, start)
    lines = tail.rstrip(b"\n").split(b"\n")
    return lines[-1] if lines else None


def _ends_a_line(fd: int) -> bool:
    size = os.fstat(fd).st_size
    return size == 0 or os.pread(fd, 1, size - 1) == b"\n"


def _sync_directory(folder: Path) -> None:
    # The new file's name must survive a crash too.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Reading and comparing.


def load() -> Loaded:
    """Every line of the checkpoint file, signatures checked (a missing file holds none)."""
    checkpoints: list[Checkpoint] = []
    findings: list[Finding] = []
    try:
        handle = path().open("rb")
    except FileNotFoundError:
        return Loaded((), ())
    keys = _public_keys()
    with handle:
        # A shared lock: a line being appended is read whole or not at all.
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            parsed = _parse(raw.rstrip(b"\n"), number, keys)
            if isinstance(parsed, Checkpoint):
                checkpoints.append(parsed)
            else:
                findings.append(parsed)
    return Loaded(tuple(checkpoints), tuple(findings))


def _parse(raw: bytes, number: int, keys: dict[str, Ed25519PublicKey]) -> Checkpoint | Finding:
    try:
        record = json.loads(raw)
        signature = base64.b64decode(record.pop("sig"), validate=True)
        if record.get("v") != VERSION:
            return Finding("unreadable", number)
        heads = tuple((int(c), int(s), str(h)) for c, s, h in record["heads"])
        at = str(record["at"])
        key = keys.get(str(record.get("key")))
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        return Finding("unreadable", number)
    if key is None:
        return Finding("bad_signature", number)
    try:
        key.verify(signature, _canonical(record))
    except InvalidSignature:
        return Finding("bad_signature", number)
    return Checkpoint(number, at, heads)


def compare(loaded: Loaded, chains: Iterable[int] | None, alias: str) -> tuple[Finding, ...]:
    """The findings of the file itself and of the database against its checkpoints:
    per chain, the first checkpoint the chain no longer meets."""
    selected = None if chains is None else set(chains)
    # Per chain: seq -> (hash, first line naming it); several hashes for one
    # seq (only after tampering) keep the first line of each.
    points: dict[int, dict[int, dict[str, int]]] = defaultdict(dict)
    for checkpoint in loaded.checkpoints:
        for chain, seq, head_hash in checkpoint.heads:
            if selected is None or chain in selected:
                points[chain].setdefault(seq, {}).setdefault(head_hash, checkpoint.line)
    findings = list(loaded.findings)
    for chain in sorted(points):
        finding = _compare_chain(alias, chain, points[chain])
        if finding is not None:
            findings.append(finding)
    return tuple(findings)


def _compare_chain(alias: str, chain: int, points: dict[int, dict[str, int]]) -> Finding | None:
    entries = AccessEvent.objects.using(alias).filter(chain=chain)
    stored: dict[int, tuple[str, int]] = {}
    for batch in _batches(sorted(points)):
        for seq, entry_hash, entry_id in entries.filter(seq__in=batch).values_list("seq", "hash", "id"):
            stored[seq] = (entry_hash, entry_id)
    matched = 0  # the highest checkpointed seq still met
    for seq in sorted(points):
        hashes = points[seq]
        found = stored.get(seq)
        if found is None:
            last = entries.filter(seq__lt=seq).aggregate(last=Max("seq"))["last"] or 0
            left = stored.get(last) or _entry(entries, last)
            return Finding(
                "missing",
                min(hashes.values()),
                chain=chain,
                seq=last + 1,
                entry_id=left[1] if left else None,
                checkpoint_seq=seq,
            )
        other = [line for head_hash, line in hashes.items() if head_hash != found[0]]
        if other:
            first = stored.get(matched + 1) or _entry(entries, matched + 1)
            return Finding(
                "changed",
                min(other),
                chain=chain,
                seq=matched + 1,
                entry_id=first[1] if first else None,
                checkpoint_seq=seq,
            )
        matched = seq
    return None


def _entry(entries: Any, seq: int) -> tuple[str, int] | None:
    row = entries.filter(seq=seq).values_list("hash", "id").first()
    return (str(row[0]), int(row[1])) if row is not None else None


def _batches(values: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(values), _BATCH):
        yield values[start : start + _BATCH]
