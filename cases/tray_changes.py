"""After the work trays change, the open cases are placed again (``trays.retray_open_cases``)."""

from __future__ import annotations

from django.db import transaction

from .tasks import retray_cases


def trays_changed(**kwargs: object) -> None:
    """After the change commits, in the background. Several changes in one
    transaction run it several times: a run after the first writes nothing."""
    if kwargs.get("raw"):
        return
    transaction.on_commit(retray_cases.delay)
