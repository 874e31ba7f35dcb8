"""``REQUIRE_SECOND_FACTOR``: on outside debug mode, off in the ``make run`` demo, or as set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "FIELD_ENCRYPTION_KEYS": "k1:QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=",
    "BLIND_INDEX_KEY": "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=",
    "SECRET_KEY": "a-secret-key-for-this-test-only-" + "x" * 40,
    "AUDIT_CHAIN_KEY": "Q0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0M=",
    "AUDIT_CHECKPOINT_KEY": "REREREREREREREREREREREREREREREREREREREREREQ=",
}
PRINT = "from django.conf import settings; print(settings.REQUIRE_SECOND_FACTOR)"


def required(tmp_path: Path, **extra: str) -> str:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    env = {
        **keep,
        **KEYS,
        "DJANGO_SETTINGS_MODULE": "schakelpunt.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEV_KEYS_FILE": str(tmp_path / "keys.json"),
        "AUDIT_CHECKPOINT_PATH": str(tmp_path / "checkpoints.jsonl"),
        **extra,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, "True"),  # production
        ({"DJANGO_DEBUG": "1"}, "False"),  # make run
        ({"DJANGO_DEBUG": "1", "REQUIRE_SECOND_FACTOR": "1"}, "True"),
        ({"REQUIRE_SECOND_FACTOR": "0"}, "False"),
    ],
)
def test_the_setting_follows_debug_mode_unless_set(tmp_path, extra, expected):
    assert required(tmp_path, **extra) == expected
