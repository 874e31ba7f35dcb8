"""The signals follow their cases (``cases.events``); connected in ``SignalsConfig.ready``."""

from __future__ import annotations

from typing import Any

from cases.models import Case

from .models import Signal


def follow_case(sender: type[Case], *, case: Case, **kwargs: Any) -> None:
    """Closed-loop feedback: a case's signals show its partner status (no case content)."""
    status = case.partner_status
    Signal.objects.filter(case=case).exclude(status=status).update(status=status)


def follow_merge(sender: type[Case], *, case: Case, other: Case, **kwargs: Any) -> None:
    """A merged case's signals go with it: the partners see them under the case they joined."""
    Signal.objects.filter(case=other).update(case=case, status=case.partner_status)
