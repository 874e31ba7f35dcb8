"""Production settings pass Django's deployment check and refuse weak secrets and passwords."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

ROOT = Path(__file__).resolve().parent.parent.parent


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "schakelpunt.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEV_KEYS_FILE": str(tmp_path / "keys.json"),
        "FIELD_ENCRYPTION_KEYS": "k1:QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=",
        "BLIND_INDEX_KEY": "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "AUDIT_CHAIN_KEY": "Q0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0M=",
        "AUDIT_CHECKPOINT_KEY": "REREREREREREREREREREREREREREREREREREREREREQ=",
        "AUDIT_CHECKPOINT_PATH": str(tmp_path / "checkpoints.jsonl"),
        **extra,
    }


def _manage(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_production_env(tmp_path, **extra),
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_is_clean_behind_a_tls_proxy(tmp_path):
    result = _manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        TRUSTED_PROXIES="10.0.0.0/8",
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_tls_settings(tmp_path):
    script = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE)"
    )
    result = _manage(tmp_path, "shell", "-v", "0", "-c", script, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "31536000", "('HTTP_X_FORWARDED_PROTO',", "'https')", "True"]


@pytest.mark.parametrize("key", ["x", "a" * 49])
def test_production_refuses_a_short_secret_key(tmp_path, key):
    result = _manage(tmp_path, "check", SECRET_KEY=key)

    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 characters" in result.stderr


def test_debug_mode_keeps_its_generated_key(tmp_path):
    env = _production_env(tmp_path, DJANGO_DEBUG="1")
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("password", ["kort-wacht1", "password1234", "123456789012"])
def test_short_or_common_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_uncommon_password_is_accepted():
    validate_password("Zonnebloem-kade-77-rivier")
