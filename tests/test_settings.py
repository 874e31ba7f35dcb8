"""Production refuses to start without keys; debug mode makes and keeps its own."""

from __future__ import annotations

import base64
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
    (tmp_path / "ack").write_text("Q0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0M=")
    (tmp_path / "cpk").write_text("REREREREREREREREREREREREREREREREREREREREREQ=")
    env = _env(
        tmp_path,
        FIELD_ENCRYPTION_KEYS_FILE=str(tmp_path / "fek"),
        BLIND_INDEX_KEY_FILE=str(tmp_path / "bik"),
        SECRET_KEY_FILE=str(tmp_path / "sk"),
        AUDIT_CHAIN_KEY_FILE=str(tmp_path / "ack"),
        AUDIT_CHECKPOINT_KEY_FILE=str(tmp_path / "cpk"),
        AUDIT_CHECKPOINT_PATH=str(tmp_path / "checkpoints.jsonl"),
    )
    result = subprocess.run(CHECK, cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr


def test_production_needs_its_own_audit_keys_and_a_checkpoint_file(tmp_path):
    """The chain key is no longer derived from the blind-index key; the checkpoint key
    and the checkpoint file are required as well."""
    base = {
        "FIELD_ENCRYPTION_KEYS": "k1:QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=",
        "BLIND_INDEX_KEY": "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=",
        "SECRET_KEY": "a-secret-key-of-at-least-fifty-characters-for-this-test",
        "AUDIT_CHAIN_KEY": "Q0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0M=",
        "AUDIT_CHECKPOINT_KEY": "REREREREREREREREREREREREREREREREREREREREREQ=",
        "AUDIT_CHECKPOINT_PATH": str(tmp_path / "checkpoints.jsonl"),
    }
    for left_out in ("AUDIT_CHAIN_KEY", "AUDIT_CHECKPOINT_KEY", "AUDIT_CHECKPOINT_PATH"):
        env = _env(tmp_path, **{name: value for name, value in base.items() if name != left_out})
        result = subprocess.run(CHECK, cwd=ROOT, env=env, capture_output=True, text=True)
        assert result.returncode != 0, left_out
        assert left_out in result.stderr

    same = _env(tmp_path, **{**base, "AUDIT_CHAIN_KEY": base["BLIND_INDEX_KEY"]})
    result = subprocess.run(CHECK, cwd=ROOT, env=same, capture_output=True, text=True)
    assert result.returncode != 0
    assert "AUDIT_CHAIN_KEY must differ" in result.stderr


def test_debug_mode_adds_a_new_key_to_an_older_key_file(tmp_path):
    older = {
        "FIELD_ENCRYPTION_KEYS": "dev1:QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=",
        "BLIND_INDEX_KEY": "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=",
        "AUDIT_CHAIN_KEY": "Q0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0M=",
        "SECRET_KEY": "a-secret-key",
    }
    (tmp_path / "keys.json").write_text(json.dumps(older))
    env = _env(tmp_path, DJANGO_DEBUG="1", AUDIT_CHECKPOINT_PATH=str(tmp_path / "checkpoints.jsonl"))

    subprocess.run(CHECK, cwd=ROOT, env=env, capture_output=True, check=True)

    kept = json.loads((tmp_path / "keys.json").read_text())
    assert {name: kept[name] for name in older} == older
    assert len(base64.b64decode(kept["AUDIT_CHECKPOINT_KEY"])) == 32
    assert (tmp_path / "keys.json").stat().st_mode & 0o077 == 0
