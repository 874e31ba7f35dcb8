"""Every action the case code writes to the access log has words for the auditor's pages
and the resident's letter, so neither shows a code such as ``case.plan.goal.delete``."""

from __future__ import annotations

import re
from pathlib import Path

from audit.forms import KNOWN_ACTIONS
from audit.labels import ACTIONS, action_label
from cases.forms import TRANSITION_LABELS

ROOT = Path(__file__).resolve().parents[2]
# ``_log(actor, role, case, "case.contact.update", ...)`` and ``action="case.close"``.
WRITTEN = re.compile(r'(?:_log\([^()"]*|action=)"(case\.[a-z_.]+)"')


def _written_actions() -> set[str]:
    found: set[str] = set()
    for app in ("cases", "casefile"):
        for source in (ROOT / app).rglob("*.py"):
            if "migrations" not in source.parts:
                found.update(WRITTEN.findall(source.read_text(encoding="utf-8")))
    return found


def test_the_scan_finds_the_corrections_and_the_moves() -> None:
    # If the way the code writes its entries changes, this scan must change with it.
    assert {"case.contact.update", "case.plan.goal.delete", "case.merged_into", "case.split_from"} <= (
        _written_actions()
    )


def test_every_case_action_has_words() -> None:
    actions = _written_actions() | {f"case.{name}" for name in TRANSITION_LABELS}
    missing = sorted(action for action in actions if action not in ACTIONS)
    assert missing == []
    assert all(action_label(action) != action for action in actions)


def test_the_filter_suggests_every_case_action() -> None:
    assert sorted(_written_actions() - set(KNOWN_ACTIONS)) == []
