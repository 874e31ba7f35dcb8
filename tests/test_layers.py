"""The import arrows point one way (docs/architecture.md), kept by import-linter's contract in pyproject.toml.

``make lint`` runs ``lint-imports``; these tests show it holds today and that it
breaks as soon as a lower layer imports a higher one, also from inside a function.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("helpers", "coordination", "audit", "cases", "signals", "letters", "casefile", "schakelpunt")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_layers_and_the_leaf_package_hold() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "complaint"),
    [
        # A lower app reaching up, dodging the cycle inside a function: still refused.
        (
            "cases/matching.py",
            "def _dodge() -> None:\n    from signals.models import Signal  # noqa: F401\n",
            "cases is not allowed to import signals",
        ),
        (
            "coordination/models.py",
            "from audit.services import record  # noqa: F401\n",
            "coordination is not allowed to import audit",
        ),
        (
            "audit/services.py",
            "from schakelpunt.api import exception_handler  # noqa: F401\n",
            "audit is not allowed to import schakelpunt",
        ),
        # The helpers import no app.
        (
            "helpers/crypto.py",
            "from coordination.models import User  # noqa: F401\n",
            "helpers is not allowed to import coordination",
        ),
    ],
)
def test_an_import_from_a_lower_layer_to_a_higher_one_breaks_the_contract(
    tmp_path: Path, module: str, bad_import: str, complaint: str
) -> None:
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / module).open("a") as handle:
        handle.write("\n\n" + bad_import)

    result = lint_imports(tmp_path)

    assert result.returncode != 0
    assert complaint in result.stdout
    importer = module.removesuffix(".py").replace("/", ".")
    assert f"{importer} -> " in result.stdout
