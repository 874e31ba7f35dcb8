"""Making API secrets and their digests; only the digest is ever stored (``ApiToken``)."""

from __future__ import annotations

import hashlib
import secrets

# A visible prefix lets secret scanners (and people) recognise a leaked credential.
PREFIX = "sp_"


def new_secret() -> str:
    """A fresh secret: the prefix and 32 random bytes, URL-safe (no spaces, fits a header)."""
    return PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The stored form of a secret: its SHA-256, hex.

    No salt or key is needed: the secret has 256 random bits, so a dumped
    digest cannot be reversed or found by trying, unlike a password.
    """
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
