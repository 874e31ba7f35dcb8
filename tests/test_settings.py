"""Production refuses to start without keys; debug mode makes and keeps its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK = [sys.executable, "manage.py", "check"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "schakelpunt.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEV_KEYS_FILE": str(tmp_path / "keys.json"),
        **extra,
    }


def test_production_refuses_to_start_without_keys(tmp_path):
    result = subprocess.run(CHECK, cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True)

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr
    assert not (tmp_path / "keys.json").exists()


def test_debug_mode_makes_keys_once_and_keeps_them(tmp_path):
    env = _env(tmp_path, DJANGO_DEBUG="1")
    subprocess.run(CHECK, cwd=ROOT, env=env, capture_output=True, check=True)
    first = json.loads((tmp_path / "keys.json").read_text())
    subprocess.run(CHECK, cwd=ROOT, env=env, capture_output=True, check=True)

    assert json.loads((tmp_path / "keys.json").read_text()) == first
    assert (tmp_path / "keys.json").stat().st_mode & 0o077 == 0


def test_secrets_can_come_from_files(tmp_path):
    (tmp_path / "fek").write_text("k1:" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=\n")
    (tmp_path / "bik").write_text("QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=")
    (tmp_path / "sk").write_text("a-secret-key-from-a-file-" + "x" * 40)
    env = _env(
        tmp_path,
        FIELD_ENCRYPTION_KEYS_FILE=str(tmp_path / "fek"),
        BLIND_INDEX_KEY_FILE=str(tmp_path / "bik"),
        SECRET_KEY_FILE=str(tmp_path / "sk"),
    )
    result = subprocess.run(CHECK, cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
